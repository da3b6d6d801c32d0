"""FollowTheMoney entities (JSON lines), for Aleph, ``ftm`` and OpenSanctions' tools.

Every entity is built with the ``followthemoney`` library (so its values are cleaned the way
Aleph cleans them) and checked by :func:`validate` before it is written: a known, concrete
schema, only that schema's properties, every value valid for its type, required properties
present, and every reference pointing at an entity of the export whose schema the property
accepts. Mapping (graph → FtM):

==========================================  =================================================
Person, Company, PublicBody, Address         Person, Company, PublicBody, Address
Sanction  (SANCTIONED → entity)              Sanction with ``entity``
Contract                                     Contract; ``authority`` = the buyers of the process
                                             that awarded it, ``procedureNumber`` its ocid
Award (an award no contract implements)      Contract (status ``award``) and its ContractAward
SUPPLIES                                     ContractAward (``supplier``, ``contract``)
OWNS / DIRECTS / REPRESENTS / FAMILY_OF      Ownership / Directorship / Representation / Family
HOLDS_POSITION, EMPLOYED_BY                  Employment
CLIENT_OF                                    UnknownLink (role ``client``)
LOCATED_AT / PART_OF                         ``addressEntity`` / ``parent`` of the entity
==========================================  =================================================

Not expressed (the manifest lists them): contracting processes on their own, tenders
(TENDERED), S2 interventions, declarations and Vínculo's flags. Ids become FtM ids (letters,
digits, dots and dashes): a readable slug of the Vínculo id plus a short hash of it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData

from engine.exports.subgraph import Edge, Node, Subgraph

__all__ = ["ftm_id", "to_ftm", "validate", "NOT_EXPRESSED"]

NOT_EXPRESSED = ("ContractingProcess", "Declaration", "Flag", "TENDERED", "INTERVENED_IN", "CONCERNS", "DECLARED")
_RELATIONS = {  # graph type -> (FtM schema, source property, target property, value properties)
    "OWNS": ("Ownership", "owner", "asset"),
    "DIRECTS": ("Directorship", "director", "organization"),
    "REPRESENTS": ("Representation", "agent", "client"),
    "FAMILY_OF": ("Family", "person", "relative"),
    "HOLDS_POSITION": ("Employment", "employee", "employer"),
    "EMPLOYED_BY": ("Employment", "employee", "employer"),
    "CLIENT_OF": ("UnknownLink", "subject", "object"),
}
# graph label -> FtM schema, {FtM property: graph properties, the first one present wins}
_NODE_PROPS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "Person": ("Person", {"name": ("name",), "firstName": ("given_name",), "fatherName": ("first_surname",),
                          "motherName": ("second_surname",), "taxNumber": ("rfc",), "idNumber": ("curp",),
                          "birthDate": ("birth_date",), "gender": ("sex",), "country": ("country",),
                          "nationality": ("nationality",), "alias": ("aliases", "alias")}),
    "Company": ("Company", {"name": ("name",), "taxNumber": ("rfc",), "incorporationDate": ("incorporation_date",),
                            "jurisdiction": ("jurisdiction",), "country": ("country",), "sector": ("sector",),
                            "legalForm": ("legal_form", "organisation_type"), "alias": ("aliases", "alias")}),
    "PublicBody": ("PublicBody", {"name": ("name",), "abbreviation": ("acronym",), "country": ("country",),
                                  "website": ("url",), "idNumber": ("scheme_id",), "taxNumber": ("rfc",),
                                  "alias": ("legal_name",)}),
    "Address": ("Address", {"full": ("full", "name"), "street": ("street",), "city": ("locality", "municipality"),
                            "region": ("region", "state"), "postalCode": ("postal_code",), "country": ("country",)}),
    "Sanction": ("Sanction", {"program": ("program", "collection"), "authority": ("authority", "institution"),
                              "reason": ("reason", "fault"), "startDate": ("start", "listed_on"),
                              "endDate": ("end",), "listingDate": ("listed_on",), "status": ("status",),
                              "provisions": ("type", "types")}),
    "Contract": ("Contract", {"title": ("title", "name", "id"), "amount": ("amount",), "currency": ("currency",),
                              "contractDate": ("date_signed",), "status": ("status",)}),
    "Award": ("Contract", {"title": ("title", "name", "id"), "amount": ("amount",), "currency": ("currency",),
                           "contractDate": ("date",)}),
}


def ftm_id(node_id: str) -> str:
    """A valid FtM id for a Vínculo id: readable, and unique because it ends with a hash of it."""
    slug = re.sub(r"[^0-9A-Za-z.-]+", "-", node_id).strip("-.")[:60].strip("-.")
    return f"{slug or 'v'}-{hashlib.sha1(node_id.encode()).hexdigest()[:10]}"


def _values(props: dict[str, Any], keys: tuple[str, ...]) -> list[Any]:
    for key in keys:
        value = props.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, str) and value.startswith("["):
            try:
                loaded = json.loads(value)
                return loaded if isinstance(loaded, list) else [value]
            except json.JSONDecodeError:
                return [value]
        return value if isinstance(value, list) else [value]
    return []


def _provenance(proxy: Any, props: dict[str, Any]) -> None:
    for source in props.get("sources") or []:
        proxy.add("publisher", source, quiet=True)
    proxy.add("modifiedAt", props.get("last_seen"), quiet=True)
    if "recordId" in proxy.schema.properties:
        proxy.add("recordId", props.get("record_id"), quiet=True)


class _Builder:
    def __init__(self, sub: Subgraph):
        self.sub = sub
        self.entities: dict[str, Any] = {}
        self.skipped: Counter[str] = Counter()

    def node(self, node: Node) -> None:
        spec = _NODE_PROPS.get(node.label)
        if spec is None:
            self.skipped[node.label] += 1
            return
        schema, mapping = spec
        proxy = model.make_entity(schema)
        proxy.id = ftm_id(node.id)
        for prop, keys in mapping.items():
            for value in _values(node.props, keys):
                proxy.add(prop, value, quiet=True, fuzzy=prop in ("country", "jurisdiction", "nationality"))
        if node.label == "Award":
            proxy.add("status", "award")
        _provenance(proxy, node.props)
        self.entities[node.id] = proxy

    def relation(self, edge: Edge) -> None:
        src, dst = self.entities.get(edge.src), self.entities.get(edge.dst)
        if edge.type == "LOCATED_AT" and src is not None and dst is not None:
            src.add("addressEntity", dst.id)
            src.add("address", dst.first("full"), quiet=True)
        elif edge.type == "PART_OF" and src is not None and dst is not None:
            src.add("parent", dst.id)
        elif edge.type == "SANCTIONED" and src is not None and dst is not None:
            src.add("entity", dst.id)
        elif edge.type == "SUPPLIES" and src is not None and dst is not None:
            self._award(edge, src, dst)
        elif edge.type in _RELATIONS and src is not None and dst is not None:
            schema, src_prop, dst_prop = _RELATIONS[edge.type]
            proxy = model.make_entity(schema)
            proxy.id = ftm_id(f"rel:{edge.id}")
            proxy.add(src_prop, src.id)
            proxy.add(dst_prop, dst.id)
            p = edge.props
            proxy.add("role", p.get("role") or ("client" if edge.type == "CLIENT_OF" else None), quiet=True)
            proxy.add("startDate", p.get("start"), quiet=True)
            proxy.add("endDate", p.get("end"), quiet=True)
            proxy.add("date", p.get("declared_on"), quiet=True)
            if schema == "Ownership":
                proxy.add("percentage", p.get("share"), quiet=True)
            if schema == "Family":
                proxy.add("relationship", p.get("relation"), quiet=True)
            _provenance(proxy, p)
            self.entities[f"rel:{edge.id}"] = proxy
        elif edge.type not in ("AWARDED", "BUYER_OF"):
            self.skipped[edge.type] += 1

    def _award(self, edge: Edge, supplier: Any, contract: Any) -> None:
        node = self.sub.nodes[edge.dst]
        proxy = model.make_entity("ContractAward")
        proxy.id = ftm_id(f"rel:{edge.id}")
        proxy.add("supplier", supplier.id)
        proxy.add("contract", contract.id)
        proxy.add("amount", node.props.get("amount"), quiet=True)
        proxy.add("currency", node.props.get("currency"), quiet=True)
        proxy.add("date", node.props.get("date_signed") or node.props.get("date"), quiet=True)
        proxy.add("role", "supplier")
        _provenance(proxy, edge.props)
        self.entities[f"rel:{edge.id}"] = proxy

    def contracts_of_processes(self) -> None:
        """A contract's procedure comes from the process that awarded it, its authority from the buyers."""
        awarded = [e for e in self.sub.edges.values() if e.type == "AWARDED"]
        buyers: dict[str, list[str]] = {}
        for e in self.sub.edges.values():
            if e.type == "BUYER_OF" and e.src in self.entities:
                buyers.setdefault(e.dst, []).append(self.entities[e.src].id)
        for e in awarded:
            contract = self.entities.get(e.dst)
            process = self.sub.nodes.get(e.src)
            if contract is None or process is None:
                continue
            contract.add("procedureNumber", process.props.get("ocid"), quiet=True)
            contract.add("procedure", process.props.get("title"), quiet=True)
            contract.add("method", process.props.get("procurement_method"), quiet=True)
            for body in buyers.get(process.id, []):
                contract.add("authority", body)


def to_ftm(sub: Subgraph) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The subgraph as FtM entity dicts, and what the mapping left out (for the manifest)."""
    builder = _Builder(sub)
    for node in sorted(sub.nodes.values(), key=lambda n: n.id):
        builder.node(node)
    for edge in sorted(sub.edges.values(), key=lambda e: e.id):
        builder.relation(edge)
    builder.contracts_of_processes()
    entities = []
    for proxy in builder.entities.values():
        if proxy.schema.name == "Sanction" and not proxy.has("entity"):
            builder.skipped["Sanction without its sanctioned entity in the export"] += 1
            continue
        entities.append(proxy.to_dict())
    validate(entities)
    id_map = {node_id: builder.entities[node_id].id for node_id in sorted(builder.entities)
              if not node_id.startswith("rel:")}
    return entities, {"not_expressed": dict(sorted(builder.skipped.items())), "ftm_ids": id_map}


def validate(entities: list[dict[str, Any]]) -> None:
    """Raise :class:`InvalidData` unless every entity is valid FtM and every reference resolves."""
    schemata = {e["id"]: e["schema"] for e in entities}
    if len(schemata) != len(entities):
        raise InvalidData("duplicate entity ids")
    for entity in entities:
        schema = model.get(entity["schema"])
        if schema is None or schema.abstract:
            raise InvalidData(f"{entity['id']}: no concrete FtM schema {entity['schema']!r}")
        props = entity.get("properties", {})
        missing = [p for p in schema.required if not props.get(p)]
        if missing:
            raise InvalidData(f"{entity['id']} ({schema.name}): required {missing} missing")
        for name, values in props.items():
            prop = schema.properties.get(name)
            if prop is None:
                raise InvalidData(f"{entity['id']} ({schema.name}): no property {name!r}")
            for value in values:
                if not prop.type.validate(value):
                    raise InvalidData(f"{entity['id']} ({schema.name}).{name}: invalid {prop.type.name} {value!r}")
                if prop.type.name == "entity":
                    target = model.get(schemata.get(value, ""))
                    if target is None or prop.range is None or not target.is_a(prop.range):
                        raise InvalidData(f"{entity['id']}.{name} → {value}: not a {prop.range} of the export")
        schema.validate(entity)  # type: ignore[arg-type]
        model.get_proxy(entity, cleaned=False)
