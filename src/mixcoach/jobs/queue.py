"""The task queue of the scale-out mode: analyses as messages on RabbitMQ, through Dramatiq.

    server ──queue_analysis──▶ analyses row (the truth: state, progress, document)
           ──Publisher.submit(id)──▶ RabbitMQ queue (``jobs.queue``) ──▶ `mixcoach worker`

A message carries only the analysis id; the row says everything else, so a message that
arrives twice, late or after the analysis was deleted does no harm (``storage.jobs.claim``
runs each analysis once). Why Dramatiq on RabbitMQ (docs/deployment.md has the measurements):
it acknowledges a message only after the actor returns, and RabbitMQ gives the message of a
worker whose connection closed (a SIGKILL, a lost machine) to another worker at once, flagged as
redelivered; Celery needs ``task_acks_late`` and ``task_reject_on_worker_lost`` for that, and on
Redis redelivers only after a visibility timeout, so a long analysis would run twice; RQ and Huey
lose a job whose worker was killed.

The server never waits on the broker in a request: ``Publisher`` sends from its own thread and
records ``submitted_at`` once the broker confirmed. While the broker is away the rows stay
queued; the publisher keeps trying, and any worker sends again what no server did.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError

from mixcoach.storage.database import Database
from mixcoach.storage.jobs import mark_submitted

ACTOR_NAME = "analyse"
#: How often an idle publisher checks that the broker answers (for the health check).
PROBE_INTERVAL_S = 5.0
#: While the broker refuses messages, they are tried again this often.
RETRY_INTERVAL_S = 2.0
#: The server's start waits this long at most for the first answer from the broker.
FIRST_PROBE_TIMEOUT_S = 10.0

BROKER_DOWN = "The task queue (message broker) is not answering; analyses wait until it is back."
NO_WORKERS = "No analysis worker is connected to the task queue; analyses wait for one."

log = logging.getLogger(__name__)

BrokerCondition = Literal["ok", "unreachable"]


def connect(url: str, queue_name: str) -> Any:
    """A Dramatiq broker for ``url`` (``amqp://...``), with the analysis queue declared.

    Only what the queue needs: publisher confirms, so a message the broker did not take raises;
    no retries, time limits or age limits of Dramatiq's own (the row counts attempts, and an
    analysis takes as long as the track needs)."""
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.middleware import CurrentMessage

    broker = RabbitmqBroker(url=url, confirm_delivery=True, middleware=[CurrentMessage()])
    broker.declare_queue(queue_name)
    return broker


def send(broker: Any, queue_name: str, analysis_id: str) -> None:
    """Put one analysis's message on the queue (raises the broker's error when it cannot)."""
    from dramatiq import Message

    broker.enqueue(
        Message(
            queue_name=queue_name, actor_name=ACTOR_NAME, args=(analysis_id,), kwargs={}, options={}
        )
    )


def consumer_count(broker: Any, queue_name: str) -> int:
    """How many workers are consuming the analysis queue now."""
    declared = broker.channel.queue_declare(queue=queue_name, passive=True)
    return int(declared.method.consumer_count)


@dataclass(frozen=True)
class QueueHealth:
    broker: BrokerCondition
    workers: int
    #: Why analyses cannot run now, in a sentence; None when they can.
    problem: str | None


class Publisher:
    """Sends queued analyses to the broker from one thread, and watches that it answers."""

    def __init__(self, database: Database, url: str, queue_name: str) -> None:
        self._database = database
        self._url = url
        self._queue_name = queue_name
        self._pending: queue.Queue[str | None] = queue.Queue()
        self._health = QueueHealth("unreachable", 0, BROKER_DOWN)
        self._probed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="mixcoach-publisher", daemon=True)

    def start(self) -> None:
        """Start sending; returns once the broker answered or refused (at most a few seconds),
        so the health check is true from the first request."""
        self._thread.start()
        self._probed.wait(FIRST_PROBE_TIMEOUT_S)

    def submit(self, analysis_id: str) -> None:
        """Send ``analysis_id`` soon (never blocks, never raises)."""
        self._pending.put(analysis_id)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._pending.put(None)
            self._thread.join()

    def health(self) -> QueueHealth:
        return self._health

    def _loop(self) -> None:
        broker: Any = None
        waiting: list[str] = []  # taken from the queue, not yet confirmed by the broker
        timeout = 0.0  # the first probe at once, so health is true from the start
        while True:
            try:
                item = self._pending.get(timeout=timeout)
            except queue.Empty:
                item = ""
            if item is None:
                break
            if item:
                waiting.append(item)
            try:
                if broker is None:
                    broker = connect(self._url, self._queue_name)
                while waiting:
                    send(broker, self._queue_name, waiting[0])
                    self._record_submitted(waiting.pop(0))
                self._probe(broker)
            except Exception as exc:  # any broker or network error: keep the ids, try again
                if self._health.broker == "ok":
                    log.warning("the task queue stopped answering: %s", type(exc).__name__)
                self._health = QueueHealth("unreachable", 0, BROKER_DOWN)
                self._drop(broker)
                broker = None
            self._probed.set()
            timeout = RETRY_INTERVAL_S if waiting else PROBE_INTERVAL_S
        self._drop(broker)

    def _record_submitted(self, analysis_id: str) -> None:
        try:
            with self._database.writing() as db:
                mark_submitted(db, [analysis_id])
        except SQLAlchemyError:  # sent all the same; a worker may send it once more, harmlessly
            log.warning("could not record that analysis %s was sent", analysis_id)

    def _probe(self, broker: Any) -> None:
        workers = consumer_count(broker, self._queue_name)
        if self._health.broker != "ok":
            log.info("the task queue answers")
        self._health = QueueHealth("ok", workers, None if workers else NO_WORKERS)

    @staticmethod
    def _drop(broker: Any) -> None:
        if broker is not None:
            with contextlib.suppress(Exception):
                broker.close()
