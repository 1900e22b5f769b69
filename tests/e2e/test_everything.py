"""The official Python client through `toolgate serve` to npm's server-everything: everything the
policy does not touch passes through unchanged (issue 2, "Tests that must exist" (a))."""

from __future__ import annotations

import pytest
from conftest import mcp_client, text_of
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

pytestmark = pytest.mark.anyio

ALLOW_ALL = {"version": "1", "default": "allow"}


@pytest.fixture
def everything_gate(gate, everything):
    return gate(everything, ALLOW_ALL)


async def test_initialize_and_list_tools(everything_gate):
    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        assert client.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS
        assert client.server_info is not None and client.server_info.name == "mcp-servers/everything"
        assert client.server_capabilities.tools is not None
        names = [t.name for t in (await client.list_tools()).tools]
        for expected in ("echo", "get-structured-content", "trigger-long-running-operation", "get-sum"):
            assert expected in names, names


async def test_list_tools_is_the_upstreams_list_under_allow_all(everything_gate, everything):
    async with mcp_client(everything, None) as direct:
        upstream = [t.model_dump(by_alias=True, exclude_none=True) for t in (await direct.list_tools()).tools]
    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        through = [t.model_dump(by_alias=True, exclude_none=True) for t in (await client.list_tools()).tools]
    assert through == upstream, "under default allow, tools/list must pass through unchanged (order, schemas, annotations)"


async def test_call_echo(everything_gate):
    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        result = await client.call_tool("echo", {"message": "hello through toolgate"})
        assert not result.is_error
        assert text_of(result) == "Echo: hello through toolgate"


async def test_structured_content(everything_gate):
    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        result = await client.call_tool("get-structured-content", {"location": "Chicago"})
        assert not result.is_error
        assert result.structured_content == {"temperature": 36, "conditions": "Light rain / drizzle", "humidity": 82}


async def test_progress_notifications_reach_the_client(everything_gate):
    progress: list[tuple[float, float | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total))

    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        result = await client.call_tool(
            "trigger-long-running-operation", {"duration": 1, "steps": 4}, progress_callback=on_progress
        )
    assert not result.is_error, result
    assert "Long running operation completed" in text_of(result)
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)], f"progress notifications relayed: {progress}"


async def test_prompts_list_and_get(everything_gate):
    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert {"simple-prompt", "args-prompt"} <= set(prompts), list(prompts)
        simple = await client.get_prompt("simple-prompt")
        assert simple.messages[0].content.text == "This is a simple prompt without arguments."
        with_args = await client.get_prompt("args-prompt", {"city": "Lisbon", "state": "Lisboa"})
        assert "Lisbon" in with_args.messages[0].content.text


async def test_resources_list_and_read(everything_gate):
    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        resources = (await client.list_resources()).resources
        assert resources, "server-everything lists static documents"
        first = await client.read_resource(resources[0].uri)
        assert first.contents and first.contents[0].text
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        assert "demo://resource/dynamic/text/{resourceId}" in templates
        dynamic = await client.read_resource("demo://resource/dynamic/text/7")
        assert dynamic.contents[0].text.startswith("Resource 7:")


async def test_ping_passes(everything_gate):
    async with mcp_client(everything_gate.url, everything_gate.token) as client:
        await client.send_ping()
