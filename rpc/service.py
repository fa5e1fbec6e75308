"""Assembles the service: every XML-RPC method and GET route, bound to one database."""

from __future__ import annotations

from dataclasses import dataclass, field

from ovirt_node_config import admins
from ovirt_node_config.persistence.engine import Database

from .admin_methods import AdminMethods
from .answer_replay import AnswerReplay
from .node_methods import NodeMethods


@dataclass
class Service:
    methods: dict = field(default_factory=dict)
    get_routes: dict = field(default_factory=dict)
    authenticate: object = None
    legacy_identify: object = None  # the 2008 host-browser sessions' identify
    replay: AnswerReplay | None = None  # answers kept for repeated boot calls


def build_service(db: Database) -> Service:
    nodes = NodeMethods(db)
    service = Service(
        authenticate=lambda user, password: admins.authenticate(db, user, password),
        legacy_identify=nodes.identify,
        replay=AnswerReplay(db),
    )
    service.methods.update(nodes.methods())
    service.methods.update(AdminMethods(db).methods())
    service.get_routes.update(nodes.get_routes())
    return service
