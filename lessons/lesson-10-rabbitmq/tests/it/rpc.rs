//! RPC: the seed's lines, fib(30) = 832040, and replies matched to their
//! calls by correlation id when calls overlap.

use std::time::Duration;

use lesson_10_rabbitmq::connect::connect;
use lesson_10_rabbitmq::consume::never;
use lesson_10_rabbitmq::declare::Names;
use lesson_10_rabbitmq::rpc::{RpcClient, fib, rpc_server};
use shared::{Trace, Transcript};

use crate::common::{broker, prefix, run, runtime, stdout_of};

const PATIENCE: Duration = Duration::from_secs(30);

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn rpc_client_and_server_print_the_seed_lines() {
    let server = broker();
    let url = server.url().to_owned();
    let prefix = prefix("rpc-cli");
    let serving = {
        let (url, prefix) = (url.clone(), prefix.clone());
        std::thread::spawn(move || {
            run(
                &url,
                &[
                    "--amqp",
                    &url,
                    "--prefix",
                    &prefix,
                    "rpc-server",
                    "--count",
                    "1",
                ],
            )
        })
    };
    // The client's request waits in rpc_queue until the server consumes,
    // whichever starts first... but only once the queue exists: the
    // client publishes to the default exchange, which drops a message
    // for a queue nobody declared. So the test declares it first.
    let queue = Names::prefixed(&prefix).rpc_queue;
    runtime().block_on(async {
        let session = lesson_10_rabbitmq::connect::open(&url, "test")
            .await
            .unwrap();
        lesson_10_rabbitmq::declare::queue(
            &session.channel,
            &queue,
            lesson_10_rabbitmq::declare::Durability::Transient,
        )
        .await
        .unwrap();
        session.close().await.unwrap();
    });
    let client = run(
        &url,
        &["--amqp", &url, "--prefix", &prefix, "rpc-client", "30"],
    );
    assert_eq!(
        stdout_of(&client),
        " [x] Requesting fib(30)\n [.] Got 832040\n"
    );
    let server_out = stdout_of(&serving.join().unwrap());
    assert_eq!(server_out, " [x] Awaiting RPC requests\n [.] fib(30)\n");
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn two_clients_calling_at_once_each_get_their_own_answers() {
    let server = broker();
    let url = server.url();
    let queue = Names::prefixed(&prefix("rpc-two")).rpc_queue;
    let trace = Trace::disabled();
    let (lane, out) = (trace.lane("server"), Transcript::quiet());
    let asks: [[u64; 3]; 2] = [[30, 1, 20], [25, 2, 10]];
    runtime().block_on(async {
        let (ready, serving) = tokio::sync::oneshot::channel();
        let server = rpc_server(
            url,
            &queue,
            Some(6),
            never(),
            move || ready.send(()).unwrap(),
            &out,
            &lane,
        );
        let clients = async {
            serving.await.unwrap();
            let connection = connect(url, "test").await.unwrap();
            let one = RpcClient::new(&connection).await.unwrap();
            let two = RpcClient::new(&connection).await.unwrap();
            assert_ne!(one.reply_to(), two.reply_to());
            // Six calls in flight at once, three per client, each client
            // with one reply queue: every answer is handed to the call
            // waiting for its correlation id.
            let a = futures::future::try_join_all(
                asks[0].map(|n| one.fib(&queue, n, PATIENCE)),
            );
            let b = futures::future::try_join_all(
                asks[1].map(|n| two.fib(&queue, n, PATIENCE)),
            );
            tokio::try_join!(a, b).unwrap()
        };
        let (answered, (a, b)) = tokio::join!(server, clients);
        assert_eq!(answered.unwrap(), 6);
        assert_eq!(a, asks[0].map(fib));
        assert_eq!(b, asks[1].map(fib));
        assert_eq!(a[0], 832_040);
    });
}
