"""Assembles the service: every XML-RPC method and GET route, bound to one database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ovirt_node_config.rpc.admin_methods import AdminMethods
from ovirt_node_config.rpc.answer_replay import AnswerReplay
from ovirt_node_config.rpc.metrics import Metrics
from ovirt_node_config.rpc.node_methods import NodeMethods
from ovirt_node_config.rpc.request_log import observers
from ovirt_node_config.rpc.rest_api import RestApi

from ovirt_node_config.accounts import admins, refusals, sessions
from ovirt_node_config.accounts.authentication import Gate
from ovirt_node_config.accounts.login_throttle import LoginThrottle
from ovirt_node_config.console.app import Console
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust.enrolment import DEFAULT_POLICY, Trust
from ovirt_node_config.trust.enrolment_rate import EnrolmentRate


@dataclass
class Service:
    methods: dict = field(default_factory=dict)
    get_routes: dict = field(default_factory=dict)
    gate: Gate | None = None  # who an administrator is (passwords, sessions)
    legacy_identify: object = None  # the 2008 host-browser sessions' identify
    replay: AnswerReplay | None = None  # answers kept for repeated boot calls
    metrics: Metrics | None = None
    console: object = None  # TLS or not -> the web console
    rest: RestApi | None = None  # the REST/JSON API under /api/v1/


def build_service(
    db: Database,
    enrolment_policy: str = DEFAULT_POLICY,
    enrolment_rate: EnrolmentRate | None = None,
    legacy_names: dict[str, str] | None = None,
    resolve: Callable[[str], str | None] | None = None,
) -> Service:
    trust = Trust(db, enrolment_policy, enrolment_rate, legacy_names, resolve)
    nodes = NodeMethods(trust)
    gate = Gate(
        lambda user, password: admins.authenticate(db, user, password),
        lambda token: sessions.holder(db, token),
        LoginThrottle(db),
        lambda who, where, what, why: refusals.record(db, who, where, what, why),
    )
    service = Service(
        gate=gate,
        legacy_identify=nodes.legacy_identify,
        replay=AnswerReplay(trust),
        console=lambda secure: Console(db, gate, secure),
        rest=RestApi(db, trust, gate),
    )
    service.methods.update(nodes.methods())
    service.methods.update(AdminMethods(trust).methods())
    service.get_routes.update(nodes.get_routes())
    known = {*service.methods, *(f"GET {path}" for path in service.get_routes), "host-browser"}
    service.metrics = Metrics(db, known | {"GET /metrics", "GET /health", "GET /ui/", "POST /ui/"})
    service.get_routes.update(service.metrics.routes())
    observers[:] = [service.metrics.request]
    db.on_retry, db.on_outage = service.metrics.retries.inc, service.metrics.outages.inc
    return service
