//! The policy document v1: parse, validate (JSON-pointer errors), compile, evaluate. Pure.
