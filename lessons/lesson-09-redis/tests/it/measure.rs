//! `measure` prints every figure the chapter and the tour read, as
//! `name=value unit` lines.

use shared::cli_check::LessonBinary;

use crate::common::BIN;

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn measure_prints_every_figure() {
    let figures = LessonBinary::new(BIN).figures(&[
        "measure",
        "--drain",
        "300",
        "--scaleout",
        "8",
    ]);
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "total_s_sync",
            "total_s_pool",
            "total_s_async_batch",
            "total_s_async",
            "drain_msgs_per_sec_brpop",
            "drain_msgs_per_sec_batched",
            "drain_msgs_per_sec_reliable_one",
            "drain_msgs_per_sec_reliable",
            "pubsub_msgs_per_sec",
            "scaleout_msgs_per_sec_1",
            "scaleout_msgs_per_sec_2",
            "scaleout_msgs_per_sec_4",
        ]
    );
    assert!(figures.iter().all(|f| f.value > 0.0));
}
