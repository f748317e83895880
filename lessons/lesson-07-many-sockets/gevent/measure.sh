#!/bin/sh
# Lesson 07: gevent's figures beside `measure`'s: round trips per second at
# 100 clients, and resident bytes per held connection (10,000), for the
# course's server with the corrected handler under CPython + gevent.
#   sh lessons/lesson-07-many-sockets/gevent/measure.sh PYTHON LESSON_BINARY
set -eu
python=$1
lesson=$2
port=18007
"$python" "$(dirname "$0")/echo_server.py" $port > /dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
"$lesson" load --port $port --clients 100 --messages 1000
"$lesson" hold --port $port --pid $server --connections 10000
