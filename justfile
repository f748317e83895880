# Short recipes for learners. Never required: each recipe is one plain cargo
# (or mdbook) command, shown in the README.

# Pass recipe arguments to the shell as "$1", "$2", … so flags keep their
# quoting.
set positional-arguments

# List the recipes.
default:
    @just --list

# Run lesson N (`just run 1 --baozi 3`): finds lessons/lesson-0N-*.
run N *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! [[ "$1" =~ ^[0-9]+$ ]]; then
        echo "usage: just run N [ARGS...], with N a lesson number such as 1" >&2
        exit 2
    fi
    # 10#: read "08" as eight, not as a bad octal number.
    nn=$(printf '%02d' "$((10#$1))")
    shift
    dirs=(lessons/lesson-"$nn"-*)
    if [ ! -d "${dirs[0]}" ]; then
        echo "no lesson $nn: there is no folder lessons/lesson-$nn-*" >&2
        exit 1
    fi
    cargo run -p "$(basename "${dirs[0]}")" -- "$@"

# Serve the book with live reload (needs `cargo install mdbook --locked`).
book:
    mdbook serve book

# Build the book into book/book.
book-build:
    mdbook build book

# Run every test, the broker tests included: installs and starts real Redis
# and RabbitMQ servers, and stops them afterwards.
test:
    cargo xtask test

# The quick loop: every test except those that need a broker.
test-quick:
    cargo test --workspace

# Run all criterion benches.
bench:
    cargo bench -p benches

# Run one short bench (a few seconds).
bench-quick:
    cargo bench -p benches --bench generator -- --warm-up-time 1 --measurement-time 2

# Run every lesson's measured mode and print the comparison table.
tour:
    cargo run --release -p lesson-00-tour

# Measure how cost grows with the work (a few minutes), write CSVs into
# target/numbers/, and draw the numbers chapter's charts from them.
numbers:
    cargo run --release -p lesson-00-tour -- numbers
    cargo run --release -p lesson-00-tour -- charts

# Regenerate the book's figures (book/src/figures/*.svg) from real runs.
figures:
    cargo run --release -p lesson-01-yield -- --baozi 3 --eat-ms 100 --svg book/src/figures/01-baozi-blocking.svg
    cargo run --release -p lesson-02-greenlet -- --svg book/src/figures/02-greenlet-switch.svg
    cargo run --release -p lesson-02-greenlet -- --sleep-ms 100 --svg book/src/figures/02-greenlet-sleep.svg
    cargo run --release -p lesson-03-gevent -- --scale 0.1 --svg book/src/figures/03-gevent.svg
    cargo run --release -p lesson-03-gevent -- tasks --delay-ms 100 --svg book/src/figures/03-tasks.svg
    cargo run --release -p lesson-03-gevent -- tasks --delay-ms 100 --blocking --svg book/src/figures/03-blocking.svg
    cargo run --release -p lesson-03-gevent -- tasks --delay-ms 100 --blocking --spawn-blocking --runtime tokio --svg book/src/figures/03-spawn-blocking.svg
    cargo run --release -p lesson-03-gevent -- sweep --svg book/src/figures/03-spawn-sweep.svg
    cargo run --release -p lesson-04-fetch -- --svg book/src/figures/04-fetch-seq-vs-async.svg
    cargo run --release -p lesson-04-fetch -- --strategy all --svg book/src/figures/04-fetch-all.svg
    cargo run --release -p lesson-04-fetch -- sweep --svg book/src/figures/04-fetch-sweep.svg
    cargo run --release -p lesson-05-io-models -- phases --svg book/src/figures/05-read-phases.svg
    cargo run --release -p lesson-05-io-models -- servers --model blocking --svg book/src/figures/05-server-blocking.svg
    cargo run --release -p lesson-05-io-models -- servers --model thread-per-connection --svg book/src/figures/05-server-threads.svg
    cargo run --release -p lesson-05-io-models -- servers --model epoll --svg book/src/figures/05-server-epoll.svg
    cargo run --release -p lesson-06-event-loop -- gevent --scale 0.1 --svg book/src/figures/06-gevent-runtime.svg
    cargo run --release -p lesson-06-event-loop -- slow --svg book/src/figures/06-echo-slow-clients.svg
    cargo run --release -p lesson-07-many-sockets -- lanes --svg book/src/figures/07-hub-io-wait.svg
    cargo run --release -p lesson-08-queue -- --seed 1 --svg book/src/figures/08-restaurant.svg && cargo run --release -p lesson-08-queue -- --seed 2 --meals 24 --capacity 3 --cook-scale 0.02 --eat-scale 0.2 --lang en --svg book/src/figures/08-slow-eaters.svg
    cargo run --release -p lesson-09-redis -- consume --model sync --svg book/src/figures/09-sync.svg
    cargo run --release -p lesson-09-redis -- consume --model pool --svg book/src/figures/09-pool.svg
    cargo run --release -p lesson-09-redis -- consume --model async-batch --svg book/src/figures/09-async-batch.svg
    cargo run --release -p lesson-09-redis -- consume --model async --svg book/src/figures/09-async.svg
    cargo run --release -p lesson-09-redis -- consume --model async-batch --messages 10 --trickle-ms 30 --svg book/src/figures/09-async-batch-trickle.svg
    cargo run --release -p lesson-09-redis -- consume --model async --messages 10 --trickle-ms 30 --svg book/src/figures/09-async-trickle.svg
    cargo run --release -p lesson-09-redis -- compare --messages 10 --svg book/src/figures/09-models.svg
    cargo run --release -p lesson-10-rabbitmq -- demo-fair --svg book/src/figures/10-fair.svg
    cargo run --release -p lesson-11-ftp -- interleave --svg book/src/figures/11-interleave.svg
    cargo run --release -p lesson-12-rpc -- fanout --svg book/src/figures/12-fanout.svg

# Run what CI runs: fmt check, clippy, tests.
ci:
    bash .ci/run
