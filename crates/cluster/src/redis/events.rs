//! [`Events`] over Redis pub/sub.
//!
//! `publish` hands the event to this process's subscribers at once, then PUBLISHes it (JSON: the
//! [`ChangeEvent`] with an extra `origin` field naming the publishing instance) on `tg:events`. A
//! background task keeps one dedicated SUBSCRIBE connection and re-broadcasts what other instances
//! publish; its own events come back too and are skipped (they were delivered already). Delivering
//! locally first means a subscriber created after `publish` returned never sees that event, and
//! this process reacts to its own change even if Redis is down.
//!
//! When the subscription drops (Redis restarted, network), the task reconnects with backoff and
//! then sends [`ChangeEvent::Resync`] locally: events published meanwhile are lost, so listeners
//! must drop every cached snapshot. An idle subscription is pinged, so a silently dead connection
//! is noticed too.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, PubSubSink, PubSubStream};
use ::redis::{Client, Msg, Value};
use async_trait::async_trait;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::time::MissedTickBehavior;

use super::connection::{self, AbortOnDrop};
use super::keys::EVENTS_CHANNEL;
use super::options::RedisOptions;
use crate::events::{ChangeEvent, Events, EventsError, LocalDelivery};

#[derive(Serialize)]
struct Outgoing<'a> {
    origin: &'a str,
    #[serde(flatten)]
    event: &'a ChangeEvent,
}

/// What arrives: any `ChangeEvent` JSON, with `origin` when a Toolgate instance sent it.
#[derive(Deserialize)]
struct Incoming {
    #[serde(default)]
    origin: Option<String>,
    #[serde(flatten)]
    event: ChangeEvent,
}

pub struct RedisEvents {
    publisher: ConnectionManager,
    local: LocalDelivery,
    origin: String,
    deadline: Duration,
    _listener: AbortOnDrop,
}

impl std::fmt::Debug for RedisEvents {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RedisEvents")
            .field("origin", &self.origin)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl RedisEvents {
    /// Connects the publishing connection and subscribes, failing if Redis does not answer within
    /// `options.connect_timeout`. Needs a tokio runtime.
    pub async fn connect(url: &str, options: RedisOptions) -> Result<Self, EventsError> {
        let client = connection::client(url).map_err(|error| unavailable(&error))?;
        let publisher = connection::connect_manager(client.clone(), &options)
            .await
            .map_err(|error| EventsError::Unavailable(error.to_string()))?;
        let subscription = subscribe(&client, &options)
            .await
            .map_err(EventsError::Unavailable)?;
        let local = LocalDelivery::new(options.event_capacity);
        let origin = format!("{:032x}", rand::random::<u128>());
        let listener = Listener {
            client,
            options: options.clone(),
            origin: origin.clone(),
            local: local.clone(),
        };
        Ok(Self {
            publisher,
            local,
            origin,
            deadline: options.deadline,
            _listener: AbortOnDrop(tokio::spawn(listener.run(subscription))),
        })
    }
}

#[async_trait]
impl Events for RedisEvents {
    async fn publish(&self, event: ChangeEvent) -> Result<(), EventsError> {
        let payload = serde_json::to_string(&Outgoing {
            origin: &self.origin,
            event: &event,
        })
        .map_err(|error| EventsError::Unavailable(format!("cannot encode event: {error}")))?;
        self.local.send(event);
        let mut publisher = self.publisher.clone();
        let mut publish = ::redis::cmd("PUBLISH");
        publish.arg(EVENTS_CHANNEL).arg(payload);
        match tokio::time::timeout(self.deadline, publish.query_async::<i64>(&mut publisher)).await {
            Ok(Ok(_receivers)) => Ok(()),
            Ok(Err(error)) => Err(unavailable(&error)),
            Err(_) => Err(EventsError::Unavailable(format!(
                "publish timed out after {} ms",
                self.deadline.as_millis()
            ))),
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.local.subscribe()
    }

    fn delivered(&self) -> Arc<AtomicU64> {
        self.local.delivered()
    }
}

fn unavailable(error: &::redis::RedisError) -> EventsError {
    EventsError::Unavailable(error.to_string())
}

/// A fresh pub/sub connection subscribed to the events channel, within the connect timeout.
async fn subscribe(client: &Client, options: &RedisOptions) -> Result<(PubSubSink, PubSubStream), String> {
    let connecting = async {
        let (mut sink, stream) = client.get_async_pubsub().await?.split();
        sink.subscribe(EVENTS_CHANNEL).await?;
        Ok::<_, ::redis::RedisError>((sink, stream))
    };
    match tokio::time::timeout(connection::connect_bound(options), connecting).await {
        Ok(Ok(subscription)) => Ok(subscription),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("subscribing timed out".to_owned()),
    }
}

struct Listener {
    client: Client,
    options: RedisOptions,
    origin: String,
    local: LocalDelivery,
}

impl Listener {
    async fn run(self, first: (PubSubSink, PubSubStream)) {
        let mut subscription = first;
        loop {
            self.relay(&mut subscription).await;
            tracing::warn!("event subscription lost; reconnecting");
            subscription = self.resubscribe().await;
            tracing::info!("event subscription restored; resyncing");
            self.local.send(ChangeEvent::Resync);
        }
    }

    /// Forwards messages until the connection ends or stops answering pings.
    async fn relay(&self, (sink, stream): &mut (PubSubSink, PubSubStream)) {
        let period = self
            .options
            .subscription_ping_interval
            .max(Duration::from_millis(10));
        let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(message) => self.forward(&message),
                    None => return,
                },
                _ = pings.tick() => {
                    let ping = sink.ping::<Value>();
                    let answered = tokio::time::timeout(connection::connect_bound(&self.options), ping).await;
                    if !matches!(answered, Ok(Ok(_))) {
                        return;
                    }
                }
            }
        }
    }

    fn forward(&self, message: &Msg) {
        let parsed: Result<Incoming, _> = serde_json::from_slice(message.get_payload_bytes());
        match parsed {
            Ok(incoming) if incoming.origin.as_deref() == Some(self.origin.as_str()) => {}
            Ok(incoming) => {
                self.local.send(incoming.event);
            }
            Err(error) => tracing::warn!(%error, "ignoring a malformed change event"),
        }
    }

    /// Retries with exponential backoff (with jitter) until subscribed again.
    async fn resubscribe(&self) -> (PubSubSink, PubSubStream) {
        let mut delay = self.options.reconnect_min_delay;
        loop {
            let jitter = rand::random::<f64>() * 0.5 + 0.75;
            tokio::time::sleep(delay.mul_f64(jitter)).await;
            match subscribe(&self.client, &self.options).await {
                Ok(subscription) => return subscription,
                Err(error) => tracing::debug!(%error, "re-subscribing to events failed"),
            }
            delay = (delay * 2).min(self.options.reconnect_max_delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use toolgate_domain::{AccountId, GrantId};

    use super::*;

    #[test]
    fn the_wire_format_is_the_event_json_plus_its_origin() {
        let event = ChangeEvent::GrantChanged {
            account: AccountId::new(),
            grant: GrantId::new(),
        };
        let wire = serde_json::to_value(Outgoing {
            origin: "me",
            event: &event,
        })
        .expect("encode");
        let mut bare = serde_json::to_value(&event).expect("encode");
        bare["origin"] = "me".into();
        assert_eq!(wire, bare);

        let incoming: Incoming = serde_json::from_value(wire).expect("decode");
        assert_eq!((incoming.origin.as_deref(), incoming.event), (Some("me"), event));
    }

    #[test]
    fn an_event_without_origin_is_accepted() {
        let incoming: Incoming = serde_json::from_str(r#"{"type":"resync"}"#).expect("decode");
        assert_eq!((incoming.origin, incoming.event), (None, ChangeEvent::Resync));
    }
}
