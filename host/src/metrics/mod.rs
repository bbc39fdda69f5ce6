//! What the host counts, for Prometheus: each mount's requests, plugin runs and refusals, and the
//! host's AMI link, event bus and SQLite waits, served as the text exposition (format 0.0.4) by
//! the admin listener's `/metrics`. The README's "Metrics" section lists every metric.
//!
//! Counting is apart from encoding. Every figure is a relaxed atomic kept by whoever does the
//! work (a mount's [`MountMetrics`], which its context holds; the AMI client's [`AmiStats`]; the
//! bus's ring; each database), so the request path takes no lock and looks no label up. A scrape
//! ([`Metrics::encode`]) reads them through prometheus-client's registry and collectors and writes
//! the labels then.
//!
//! A route keeps its [`MountMetrics`] across hot swaps: [`Metrics::mount`] hands the new version
//! of a mount the value the old one counts into, so its counters go on (the `plugin` label turns to
//! the new plugin's name). A route that is no longer mounted anywhere drops out of the exposition,
//! and starts from zero if it is mounted again.
//!
//! [`AmiStats`]: crate::ami::AmiStats

mod histogram;
mod mount;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

pub use self::histogram::{ACTION_BOUNDS_NS, Histogram, HistogramSnapshot, REQUEST_BOUNDS_NS, WAIT_BOUNDS_NS};
pub use self::mount::{Denial, MountCounters, MountMetrics, Overload, Tracked};

use self::mount::STATUS_CLASSES;

/// The `Content-Type` of what [`Metrics::encode`] writes (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Every metric the host exports (`Services.metrics`).
pub struct Metrics {
    registry: Registry,
    mounts: Arc<Mounts>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").field("mounts", &self.mounts).finish_non_exhaustive()
    }
}

impl Metrics {
    /// The host's metrics, reading the AMI link (when there is one), the event bus and the store
    /// (when there is one) at each scrape.
    pub fn new(ami: Option<crate::ami::AmiClient>, bus: Arc<crate::events::EventBus>, store: Option<Arc<crate::store::Store>>) -> Self {
        let mounts = Arc::new(Mounts::default());
        let mut registry = Registry::default();
        registry.register_collector(Box::new(mounts.clone()));
        registry.register_collector(Box::new(Host { ami, bus, store }));
        Metrics { registry, mounts }
    }

    /// The counters of the mount at `route`, now serving `plugin`: the same value as long as the
    /// route stays mounted (a hot swap's new version gets the old version's counters, and the
    /// `plugin` label becomes `plugin`), a new one once no mount at `route` holds it any more.
    ///
    /// Keyed by route alone, as the admin API is: two mounts of one route on different listeners
    /// count together, labelled with the plugin mounted last.
    pub fn mount(&self, route: &str, plugin: &str) -> Arc<MountMetrics> {
        self.mounts.get(route, plugin)
    }

    /// The exposition, in the Prometheus text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a `String` cannot fail, and every collector here only writes.
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry).expect("encoding metrics into a String");
        text
    }
}

/// The mounts' counters by route; held weakly, by the mounts' contexts.
#[derive(Debug, Default)]
struct Mounts {
    by_route: Mutex<BTreeMap<String, Weak<MountMetrics>>>,
}

impl Mounts {
    fn get(&self, route: &str, plugin: &str) -> Arc<MountMetrics> {
        let mut by_route = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(live) = by_route.get(route).and_then(Weak::upgrade) {
            let mut label = live.plugin.lock().unwrap_or_else(|p| p.into_inner());
            if &**label != plugin {
                *label = plugin.into();
            }
            drop(label);
            return live;
        }
        let fresh = Arc::new(MountMetrics::new(route, plugin));
        by_route.insert(route.to_string(), Arc::downgrade(&fresh));
        fresh
    }

    /// The mounted routes' counters, by route, with their plugin label; forgets unmounted routes.
    fn live(&self) -> Vec<(Arc<MountMetrics>, Arc<str>)> {
        let mut by_route = self.by_route.lock().unwrap_or_else(|p| p.into_inner());
        by_route.retain(|_, weak| weak.strong_count() > 0);
        by_route.values().filter_map(Weak::upgrade).map(|m| (m.clone(), m.plugin())).collect()
    }
}

/// Writes one metric family: its HELP and TYPE lines, then what `samples` adds.
fn family(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    kind: MetricType,
    samples: impl FnOnce(&mut MetricEncoder<'_>) -> fmt::Result,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
    samples(&mut metric)
}

fn counter(metric: &mut MetricEncoder<'_>, labels: &impl EncodeLabelSet, value: u64) -> fmt::Result {
    metric.encode_family(labels)?.encode_counter::<NoLabelSet, u64, u64>(&value, None)
}

fn gauge(metric: &mut MetricEncoder<'_>, labels: &impl EncodeLabelSet, value: u64) -> fmt::Result {
    metric.encode_family(labels)?.encode_gauge(&value)
}

fn histogram(metric: &mut MetricEncoder<'_>, labels: &impl EncodeLabelSet, value: &HistogramSnapshot) -> fmt::Result {
    value.encode(&mut metric.encode_family(labels)?)
}

impl Collector for Mounts {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
        let mounts = self.live();
        if mounts.is_empty() {
            return Ok(());
        }
        let labels = |m: &MountMetrics, plugin: &Arc<str>| [("route", m.route.to_string()), ("plugin", plugin.to_string())];
        let load = |a: &AtomicU64| a.load(Relaxed);
        let e = &mut encoder;

        family(e, "switchboard_http_requests", "Requests a mount answered, by the status class of the response head.", MetricType::Counter, |f| {
            for (m, p) in &mounts {
                let [route, plugin] = labels(m, p);
                for (class, n) in STATUS_CLASSES.iter().zip(&m.responses) {
                    counter(f, &[route.clone(), plugin.clone(), ("status_class", class.to_string())], load(n))?;
                }
            }
            Ok(())
        })?;
        family(
            e,
            "switchboard_http_requests_in_flight",
            "Requests admitted or queued whose response head has not been sent yet.",
            MetricType::Gauge,
            |f| mounts.iter().try_for_each(|(m, p)| gauge(f, &labels(m, p), load(&m.in_flight))),
        )?;
        type Counted = fn(&MountMetrics) -> &AtomicU64;
        let counters: [(&str, &str, Counted); 6] = [
            ("switchboard_http_requests_abandoned", "Requests whose client went away before the response head was sent.", |m| &m.abandoned),
            ("switchboard_plugin_instantiations", "Fresh plugin instances started for requests.", |m| &m.instantiations),
            ("switchboard_plugin_reuse_hits", "Requests served by a warm instance kept from an earlier request.", |m| &m.reuse_hits),
            ("switchboard_plugin_traps", "Plugin runs (requests and event batches) that trapped: a panic, a stack overflow, an invalid operation.", |m| &m.traps),
            ("switchboard_plugin_timeouts", "Plugin runs (requests and event batches) that passed their deadline.", |m| &m.timeouts),
            ("switchboard_plugin_memory_limit_refusals", "Plugin runs that failed because the mount's memory limit refused a memory or table growth.", |m| &m.memory_refusals),
        ];
        for (name, help, value) in counters {
            family(e, name, help, MetricType::Counter, |f| mounts.iter().try_for_each(|(m, p)| counter(f, &labels(m, p), load(value(m)))))?;
        }
        family(
            e,
            "switchboard_plugin_memory_high_water_bytes",
            "The largest linear memory any instance of the mount's plugin has reached.",
            MetricType::Gauge,
            |f| mounts.iter().try_for_each(|(m, p)| gauge(f, &labels(m, p), load(&m.memory_high_water))),
        )?;
        family(
            e,
            "switchboard_http_request_duration_seconds",
            "Time from routing a request to its response head, queue wait included.",
            MetricType::Histogram,
            |f| mounts.iter().try_for_each(|(m, p)| histogram(f, &labels(m, p), &m.latency.snapshot())),
        )?;
        family(
            e,
            "switchboard_http_queue_wait_seconds",
            "Time requests that found every slot of the mount busy waited in its queue (admitted or not).",
            MetricType::Histogram,
            |f| mounts.iter().try_for_each(|(m, p)| histogram(f, &labels(m, p), &m.queue_wait.snapshot())),
        )?;
        family(e, "switchboard_http_overloaded", "Requests the mount's gate answered 503 overloaded, by reason.", MetricType::Counter, |f| {
            for (m, p) in &mounts {
                let [route, plugin] = labels(m, p);
                for why in Overload::ALL {
                    counter(f, &[route.clone(), plugin.clone(), ("reason", why.label().to_string())], load(&m.overloaded[why as usize]))?;
                }
            }
            Ok(())
        })?;
        family(
            e,
            "switchboard_capability_denials",
            "Calls the capability layer refused because the mount does not grant them, by capability (grant key).",
            MetricType::Counter,
            |f| {
                for (m, p) in &mounts {
                    let [route, plugin] = labels(m, p);
                    for denial in Denial::ALL {
                        let labels = [route.clone(), plugin.clone(), ("capability", denial.label().to_string())];
                        counter(f, &labels, load(&m.denials[denial as usize]))?;
                    }
                }
                Ok(())
            },
        )
    }
}

/// The host-wide sources, read at each scrape.
struct Host {
    ami: Option<crate::ami::AmiClient>,
    bus: Arc<crate::events::EventBus>,
    store: Option<Arc<crate::store::Store>>,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host").field("ami", &self.ami.is_some()).field("store", &self.store.is_some()).finish_non_exhaustive()
    }
}

impl Collector for Host {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let e = &mut encoder;
        if let Some(ami) = &self.ami {
            let up = matches!(ami.state(), crate::ami::LinkState::Up(_));
            let stats = ami.stats();
            family(e, "switchboard_ami_link_up", "Whether the AMI link to the PBX is logged in and probed (1) or down (0).", MetricType::Gauge, |f| {
                f.encode_gauge(&u64::from(up))
            })?;
            family(e, "switchboard_ami_reconnects", "Times the AMI link came back after it had been up.", MetricType::Counter, |f| {
                f.encode_counter::<NoLabelSet, u64, u64>(&stats.reconnects(), None)
            })?;
            family(
                e,
                "switchboard_ami_action_duration_seconds",
                "Time from sending an AMI action to its whole answer (or its failure: a timeout, the link lost).",
                MetricType::Histogram,
                |f| stats.action_durations().encode(f),
            )?;
        }

        let bus = self.bus.stats();
        family(e, "switchboard_event_bus_depth", "Events the bus holds now.", MetricType::Gauge, |f| f.encode_gauge(&(bus.depth as u64)))?;
        family(e, "switchboard_event_bus_capacity", "Events the bus holds at most ([events] capacity).", MetricType::Gauge, |f| {
            f.encode_gauge(&(bus.capacity as u64))
        })?;
        family(
            e,
            "switchboard_event_bus_dropped",
            "Events dropped: overflow (the oldest, when the bus was full) or reset (the bus emptied and stopped for want of readers).",
            MetricType::Counter,
            |f| {
                counter(f, &[("reason", "overflow")], bus.overflowed)?;
                counter(f, &[("reason", "reset")], bus.discarded)
            },
        )?;
        family(e, "switchboard_event_bus_gaps", "Gap markers published: the AMI link came back and events in between were lost.", MetricType::Counter, |f| {
            f.encode_counter::<NoLabelSet, u64, u64>(&bus.gaps, None)
        })?;

        if let Some(store) = &self.store {
            let databases = store.wait_stats();
            family(
                e,
                "switchboard_sqlite_lock_wait_seconds",
                "Time spent waiting for the database's writer lock (one writer at a time) or for a pooled connection.",
                MetricType::Histogram,
                |f| {
                    for (database, stats) in &databases {
                        histogram(f, &[("database", *database), ("lock", "writer")], &stats.writer_waits)?;
                        histogram(f, &[("database", *database), ("lock", "connection")], &stats.connection_waits)?;
                    }
                    Ok(())
                },
            )?;
            family(
                e,
                "switchboard_sqlite_busy",
                "Statements and checkouts that failed busy: the database stayed locked past SQLite's busy timeout, or no connection freed up before the deadline.",
                MetricType::Counter,
                |f| databases.iter().try_for_each(|(database, stats)| counter(f, &[("database", *database)], stats.busy)),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        Metrics::new(None, crate::events::EventBus::new(Default::default()), None)
    }

    #[test]
    fn a_route_keeps_its_counters_across_swaps_until_it_is_unmounted() {
        let metrics = metrics();
        let old = metrics.mount("/api", "v1");
        old.request().answered(200);
        // A hot swap builds the new version while the old one still serves.
        let new = metrics.mount("/api", "v2");
        assert!(Arc::ptr_eq(&old, &new), "the same counters");
        drop(old);
        new.request().answered(200);
        assert_eq!(new.snapshot().requests, 2);
        let text = metrics.encode();
        assert!(text.contains(r#"switchboard_http_requests_total{route="/api",plugin="v2",status_class="2xx"} 2"#), "{text}");
        assert!(!text.contains(r#"plugin="v1""#), "{text}");

        // Unmounted: gone from the exposition; mounted again: from zero.
        drop(new);
        assert!(!metrics.encode().contains("/api"));
        assert_eq!(metrics.mount("/api", "v2").snapshot(), MountCounters::default());
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = metrics();
        let _mount = metrics.mount("/a\"b\\c", "p");
        let text = metrics.encode();
        assert!(text.contains(r#"route="/a\"b\\c""#), "{text}");
    }
}
