//! The event bus: sequence numbers, long-polling, overflow, reset, restart and gap markers, as the
//! Axeos `/events` section of seed 004 describes them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard::ami::{EventSink, Message};
use switchboard::events::{BusConfig, EventBus, GAP_EVENT, Poll};

fn bus(capacity: usize, reset_after: Duration) -> Arc<EventBus> {
    EventBus::new(BusConfig { capacity, reset_after })
}

fn publish(bus: &EventBus, n: usize) {
    for i in 0..n {
        bus.publish("Test", vec![("N".into(), i.to_string())]);
    }
}

fn seqs(events: &[Arc<switchboard::events::BusEvent>]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

fn poll(last: Option<u64>, timeout_ms: u64, limit: usize) -> Poll {
    Poll { last, timeout: Duration::from_millis(timeout_ms), limit, filter: Vec::new() }
}

#[tokio::test]
async fn numbering_starts_at_zero_and_last_resumes() {
    let bus = bus(100, Duration::from_secs(300));
    publish(&bus, 5);
    let first = bus.poll(&poll(None, 0, 0)).await;
    assert_eq!(seqs(&first), [0, 1, 2, 3, 4]);
    assert!(first[0].timestamp.ends_with('Z') && first[0].timestamp.contains('T'), "{}", first[0].timestamp);
    assert_eq!(first[2].fields, vec![("N".to_string(), "2".to_string())]);
    publish(&bus, 3);
    assert_eq!(seqs(&bus.poll(&poll(Some(4), 0, 0)).await), [5, 6, 7]);
    assert_eq!(seqs(&bus.poll(&poll(Some(4), 0, 2)).await), [5, 6], "limit caps the batch");
    assert!(bus.poll(&poll(Some(7), 0, 0)).await.is_empty(), "timeout=0 answers at once, empty");
}

#[tokio::test]
async fn limit_one_without_last_skips_the_past() {
    let bus = bus(100, Duration::from_secs(300));
    publish(&bus, 10);
    let newest = bus.poll(&poll(None, 0, 1)).await;
    assert_eq!(seqs(&newest), [9]);
    publish(&bus, 1);
    assert_eq!(seqs(&bus.poll(&poll(Some(9), 0, 0)).await), [10]);
}

#[tokio::test]
async fn a_poll_waits_for_the_next_event_and_times_out_without_one() {
    let bus = bus(100, Duration::from_secs(300));
    let started = Instant::now();
    assert!(bus.poll(&poll(None, 150, 0)).await.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(140));

    let waiter = tokio::spawn({
        let bus = bus.clone();
        async move { bus.poll(&poll(None, 5_000, 0)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    bus.publish("Late", vec![]);
    let got = waiter.await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name, "Late");
}

#[tokio::test]
async fn overflow_drops_the_oldest_and_shows_as_a_gap() {
    let bus = bus(10, Duration::from_secs(300));
    publish(&bus, 3);
    let _ = bus.poll(&poll(Some(1), 0, 0)).await; // a reader at seq 2
    publish(&bus, 20); // 23 issued, the ring keeps 13..22
    let batch = bus.poll(&poll(Some(2), 0, 0)).await;
    assert_eq!(batch.first().unwrap().seq, 13, "seq > last + 1: events were dropped");
    assert_eq!(batch.len(), 10);
}

#[tokio::test]
async fn an_unread_overflow_resets_the_bus_and_numbering_restarts() {
    let bus = bus(5, Duration::from_millis(50));
    publish(&bus, 3);
    tokio::time::sleep(Duration::from_millis(80)).await; // nobody polled for longer than reset_after
    publish(&bus, 10); // fills, then overflows unread: reset, gathering off
    assert_eq!(bus.next_seq(), 0);
    assert!(bus.publish("Ignored", vec![]).is_none(), "gathering stays off until someone polls");
    assert!(bus.poll(&poll(Some(4), 0, 0)).await.is_empty());
    publish(&bus, 2);
    let batch = bus.poll(&poll(Some(4), 0, 0)).await;
    assert_eq!(seqs(&batch), [0, 1], "a last from before the reset gets the new numbering from 0");
}

#[tokio::test]
async fn a_last_from_before_a_restart_gets_everything_from_zero() {
    let bus = bus(100, Duration::from_secs(300)); // a freshly started host
    publish(&bus, 3);
    assert_eq!(seqs(&bus.poll(&poll(Some(500), 0, 0)).await), [0, 1, 2]);
}

#[tokio::test]
async fn filters_pick_event_names() {
    let bus = bus(100, Duration::from_secs(300));
    bus.publish("Newchannel", vec![]);
    bus.publish("Hangup", vec![]);
    bus.publish("newchannel", vec![]);
    let request = Poll { last: None, timeout: Duration::ZERO, limit: 0, filter: vec!["NewChannel".into()] };
    assert_eq!(seqs(&bus.poll(&request).await), [0, 2]);
    let request = Poll { last: Some(2), timeout: Duration::from_millis(100), limit: 0, filter: vec!["Hangup".into()] };
    let waiter = tokio::spawn({
        let bus = bus.clone();
        async move { bus.poll(&request).await }
    });
    bus.publish("Newchannel", vec![]);
    bus.publish("Hangup", vec![]);
    assert_eq!(seqs(&waiter.await.unwrap()), [4], "waits past non-matching events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_pollers_are_all_woken_by_one_event() {
    let bus = bus(100, Duration::from_secs(300));
    let pollers: Vec<_> = (0..500)
        .map(|_| {
            let bus = bus.clone();
            tokio::spawn(async move { bus.poll(&poll(None, 10_000, 0)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    bus.publish("Wake", vec![]);
    for poller in pollers {
        let got = poller.await.unwrap();
        assert_eq!(seqs(&got), [0]);
    }
    assert!(started.elapsed() < Duration::from_secs(5), "woken promptly, not by their timeouts");
}

#[tokio::test]
async fn ami_events_enter_the_bus_and_a_reconnect_leaves_a_gap_marker() {
    let bus = bus(100, Duration::from_secs(300));
    bus.event(Message::new().with("Event", "Hangup").with("Channel", "PJSIP/1001-00000001").with("Cause", "16"));
    bus.event(Message::new().with("Response", "Success")); // not an event: ignored
    bus.reconnected(Duration::from_millis(1500));
    let events = bus.poll(&poll(None, 0, 0)).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].name, "Hangup");
    assert_eq!(events[0].fields, vec![("Channel".into(), "PJSIP/1001-00000001".into()), ("Cause".into(), "16".into())]);
    assert_eq!(events[1].name, GAP_EVENT);
    assert!(events[1].fields.contains(&("DowntimeMs".into(), "1500".into())));
}

#[tokio::test]
async fn a_mount_stream_numbers_a_batch_in_order_and_a_reset_drops_the_rest_of_it() {
    use switchboard::events::EventStream;
    let stream = EventStream::new(BusConfig { capacity: 4, reset_after: Duration::from_millis(50) });
    let waiter = tokio::spawn({
        let stream = stream.clone();
        async move { stream.poll(None, Duration::from_secs(5), 0).await }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let items: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert_eq!(stream.publish("2026-11-22T06:30:00.123Z", items), Some(2));
    let woken = waiter.await.unwrap();
    let got: Vec<(u64, &str, &str)> = woken.iter().map(|i| (i.seq, i.data.as_str(), i.timestamp.as_str())).collect();
    assert_eq!(got, [(0, "a", "2026-11-22T06:30:00.123Z"), (1, "b", "2026-11-22T06:30:00.123Z"), (2, "c", "2026-11-22T06:30:00.123Z")],
        "one wake delivers the whole batch, in order, with the given timestamp");

    tokio::time::sleep(Duration::from_millis(80)).await; // no reader for longer than reset_after
    let more: Vec<String> = (0..6).map(|i| i.to_string()).collect();
    assert_eq!(stream.publish("t", more), None, "the ring filled, overflowed unread and reset mid-batch");
    assert_eq!(stream.next_seq(), 0, "everything, the rest of the batch included, was dropped");
    assert!(stream.poll(Some(2), Duration::ZERO, 0).await.is_empty());
    assert_eq!(stream.publish("t", vec!["x".into()]), Some(0), "gathering again after the poll, from 0");
}
