"""Lesson 10: pika's side of `measure`, against the same broker in the same
run (`cargo run --release -p lesson-10-rabbitmq -- measure --pika` runs it).

    pip install pika
    AMQP_URL=amqp://guest:guest@127.0.0.1:PORT/%2f python3 lessons/lesson-10-rabbitmq/python/pika_measure.py

Prints `name=value unit` lines like `measure`, each name ending in `_pika`:
persistent publishes to a durable queue without confirms (pika's
BlockingConnection fastest path) and with confirms (`confirm_delivery()`:
each publish waits for its confirm, as BlockingConnection offers no window),
consuming with a manual ack at prefetch 1 and 100, and the median round
trip of the seed's RPC (a pika echo server on its own connection, in a
thread).
"""
import os
import statistics
import threading
import time
import uuid

import pika

URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")
PREFIX = os.environ.get("PREFIX", "")
MESSAGES = int(os.environ.get("MESSAGES", "20000"))
CALLS = int(os.environ.get("CALLS", "2000"))
QUEUE = PREFIX + "pika_measure_queue"
RPC_QUEUE = PREFIX + "pika_measure_rpc"
PERSISTENT = pika.BasicProperties(delivery_mode=2)


def connect():
    return pika.BlockingConnection(pika.URLParameters(URL))


def publish(channel, count):
    for _ in range(count):
        channel.basic_publish(exchange="", routing_key=QUEUE, body=b"task",
                              properties=PERSISTENT)


def consume(count, prefetch):
    connection = connect()
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    received = 0
    start = time.perf_counter()

    def callback(ch, method, properties, body):
        nonlocal received
        ch.basic_ack(delivery_tag=method.delivery_tag)
        received += 1
        if received == count:
            ch.stop_consuming()

    channel.basic_consume(queue=QUEUE, on_message_callback=callback)
    channel.start_consuming()
    elapsed = time.perf_counter() - start
    connection.close()
    return count / elapsed


def echo_server(ready, stop):
    connection = connect()
    channel = connection.channel()
    channel.queue_declare(queue=RPC_QUEUE)
    channel.basic_qos(prefetch_count=1)

    def on_request(ch, method, props, body):
        ch.basic_publish(exchange="", routing_key=props.reply_to,
                         properties=pika.BasicProperties(
                             correlation_id=props.correlation_id),
                         body=body)
        ch.basic_ack(delivery_tag=method.delivery_tag)

    channel.basic_consume(queue=RPC_QUEUE, on_message_callback=on_request)
    ready.set()
    while not stop.is_set():
        connection.process_data_events(time_limit=0.05)
    connection.close()


def rpc_round_trip_us(calls):
    ready, stop = threading.Event(), threading.Event()
    server = threading.Thread(target=echo_server, args=(ready, stop))
    server.start()
    ready.wait()
    connection = connect()
    channel = connection.channel()
    callback_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    answer = {}

    def on_response(ch, method, props, body):
        answer[props.correlation_id] = body

    channel.basic_consume(queue=callback_queue,
                          on_message_callback=on_response, auto_ack=True)
    samples = []
    for _ in range(calls):
        corr_id = str(uuid.uuid4())
        start = time.perf_counter()
        channel.basic_publish(exchange="", routing_key=RPC_QUEUE,
                              properties=pika.BasicProperties(
                                  reply_to=callback_queue,
                                  correlation_id=corr_id),
                              body=b"30")
        while corr_id not in answer:
            connection.process_data_events(time_limit=None)
        samples.append(time.perf_counter() - start)
    connection.close()
    stop.set()
    server.join()
    return statistics.median(samples) * 1e6


def main():
    connection = connect()
    channel = connection.channel()
    channel.queue_declare(queue=QUEUE, durable=True)
    channel.queue_purge(queue=QUEUE)

    start = time.perf_counter()
    publish(channel, MESSAGES)
    # A passive declare is a round trip: every publish before it has
    # reached the broker.
    channel.queue_declare(queue=QUEUE, durable=True, passive=True)
    print("publish_msgs_per_sec_pika=%.0f msg/s"
          % (MESSAGES / (time.perf_counter() - start)))
    print("consume_msgs_per_sec_prefetch_1_pika=%.0f msg/s"
          % consume(MESSAGES, 1))

    publish(channel, MESSAGES)
    channel.queue_declare(queue=QUEUE, durable=True, passive=True)
    print("consume_msgs_per_sec_prefetch_100_pika=%.0f msg/s"
          % consume(MESSAGES, 100))

    # With confirms, BlockingConnection waits for each one: a tenth of
    # the messages is enough to time it.
    confirmed = max(1, MESSAGES // 10)
    channel.confirm_delivery()
    start = time.perf_counter()
    publish(channel, confirmed)
    print("publish_msgs_per_sec_confirms_pika=%.0f msg/s"
          % (confirmed / (time.perf_counter() - start)))
    channel.queue_purge(queue=QUEUE)
    connection.close()

    print("rpc_round_trip_us_pika=%.0f us" % rpc_round_trip_us(CALLS))


if __name__ == "__main__":
    main()
