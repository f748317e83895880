//! `measure` prints every figure the chapter and the tour read.

use crate::common::{broker, prefix, run};

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn measure_prints_every_figure() {
    let server = broker();
    let prefix = prefix("measure");
    let output = run(
        server.url(),
        &[
            "--prefix",
            &prefix,
            "measure",
            "--messages",
            "300",
            "--calls",
            "20",
            "--scaleout",
            "8",
        ],
    );
    let stdout = crate::common::stdout_of(&output);
    let figures: Vec<shared::Figure> =
        stdout.lines().map(|l| l.parse().unwrap()).collect();
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "publish_msgs_per_sec_confirms",
            "consume_msgs_per_sec_prefetch_1",
            "consume_msgs_per_sec_prefetch_100",
            "rpc_round_trip_us",
            "scaleout_msgs_per_sec_1",
            "scaleout_msgs_per_sec_2",
            "scaleout_msgs_per_sec_4",
        ]
    );
    assert!(figures.iter().all(|f| f.value > 0.0));
}
