//! A process nobody scrapes must not keep every histogram sample: the upkeep drains them.
//! (A file of its own, so that its process's memory is this test's alone, under nextest or not.)

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;

/// Resident memory of this process, in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm is readable");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm's second field is the resident page count");
    pages * 4096
}

/// Records `samples` values into one histogram of `recorder`, in slices, pausing between slices so a
/// running upkeep gets its turn.
fn record(recorder: &metrics_exporter_prometheus::PrometheusRecorder, samples: u64) {
    metrics::with_local_recorder(recorder, || {
        let histogram = metrics::histogram!("toolgate_test_upstream_seconds");
        for slice in 0..100 {
            for sample in 0..samples / 100 {
                histogram.record((slice * sample) as f64 * 1e-6);
            }
            std::thread::sleep(Duration::from_millis(3));
        }
    });
}

const SAMPLES: u64 = 3_000_000;
/// Each kept sample is a value and an `Instant` (24 bytes): 3 million kept grow the process by tens of MB.
const BOUND: u64 = 24 * 1024 * 1024;

#[test]
fn histogram_samples_are_drained_without_a_scrape() {
    // With the upkeep first: memory the second half frees would otherwise be reused by the first.
    let recorder = PrometheusBuilder::new().build_recorder();
    toolgate_cli::metrics::spawn_upkeep(recorder.handle(), Duration::from_millis(5))
        .expect("upkeep thread starts");
    let before = resident_bytes();
    record(&recorder, SAMPLES);
    let grown_with = resident_bytes().saturating_sub(before);

    // Unscraped and without an upkeep, the samples stay: this is what the test guards against, so it
    // must show here, or the bound above proves nothing.
    let unkept = PrometheusBuilder::new().build_recorder();
    let before = resident_bytes();
    record(&unkept, SAMPLES);
    let grown_without = resident_bytes().saturating_sub(before);
    eprintln!("resident growth: {grown_with} bytes with the upkeep, {grown_without} without");
    assert!(
        grown_without > BOUND,
        "without an upkeep the samples should have stayed: grew only {grown_without} bytes"
    );
    assert!(
        grown_with < BOUND,
        "with the upkeep, {SAMPLES} samples grew the process by {grown_with} bytes (bound {BOUND}); \
         without it {grown_without}"
    );
}
