"""Random partition graphs with everything the patterns read: posts and their periods, relatives,
declarations (AGREGAR / BAJA), chains of ownership, buyers and procuring entities, institutions with
units, tenders, interventions, shared addresses and phones, sanctions of both kinds. Dense enough that
every pattern finds something on most seeds."""

from __future__ import annotations

import random

from engine.graph.model import GraphBatch, Provenance
from tests.detection.factory import G


def _day(rnd: random.Random) -> str:
    return f"{rnd.randint(2014, 2022)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"


def random_graph(seed: int, scale: int = 1) -> G:
    rnd = random.Random(seed)
    g = G()
    bodies = [f"body{i}" for i in range(4 * scale)]
    people = [f"person{i}" for i in range(30 * scale)]
    companies = [f"company{i}" for i in range(25 * scale)]
    addresses = [f"address{i}" for i in range(8 * scale)]
    phones = ["55 1234 5678", "(55) 1234-5678", "33 9999 0000", None, None, None]
    for b in bodies:
        g.node(b, "PublicBody", name=f"Body {b}")
    for b in bodies[1:]:
        if rnd.random() < 0.4:
            g.edge(b, "PART_OF", rnd.choice(bodies[:bodies.index(b)]))
    for p in people:
        g.node(p, "Person", name=f"Person {p}", telephone=rnd.choice(phones))
    for c in companies:
        props = {"name": f"Company {c}", "telephone": rnd.choice(phones),
                 "email": rnd.choice(["ventas@uno.mx", "VENTAS@UNO.MX", None, None])}
        if rnd.random() < 0.3:
            props["incorporation_date"] = _day(rnd)
        elif rnd.random() < 0.3:
            props["rfc"] = rnd.choice(["GFM010122DZ9", "AAA150101AB1", "XYZ170505QQ2"])
        g.node(c, "Company", **props)
    for a in addresses:
        g.node(a, "Address", name=f"Calle {a}")
    officials = people[:12 * scale]
    for o in officials:
        for _ in range(rnd.choice((1, 1, 2))):
            start = _day(rnd)
            props = {"role": "Director", "start": start}
            if rnd.random() < 0.5:
                props["end"] = str(int(start[:4]) + rnd.randint(1, 4)) + start[4:]
            elif rnd.random() < 0.3:
                props.pop("start")
            g.g.add_edge(o, rnd.choice(bodies), key=f"HOLDS_POSITION:{o}:{rnd.random()}", type="HOLDS_POSITION",
                         **props)
    for _ in range(15 * scale):
        a, b = rnd.sample(people, 2)
        _tie(g, rnd, a, "FAMILY_OF", b, relation=rnd.choice(["spouse", "child", "dependant"]))
    holders = people + companies
    for _ in range(35 * scale):
        src = rnd.choice(holders)
        kind = "OWNS" if src in companies or rnd.random() < 0.6 else rnd.choice(["DIRECTS", "REPRESENTS"])
        dst = rnd.choice(companies)
        if src == dst:
            continue
        props = {"share": rnd.choice([10, 40, 51, 80, 100, None])} if kind == "OWNS" else {"role": "director"}
        _tie(g, rnd, src, kind, dst, **props)
    for i in range(20 * scale):
        process = f"process{i}"
        g.node(process, "ContractingProcess", title=f"Procedimiento {i}",
               date=_day(rnd) if rnd.random() < 0.5 else None)
        buyer = rnd.choice(bodies)
        g.edge(buyer, "BUYER_OF", process, role="buyer")
        if rnd.random() < 0.2:
            g.g.add_edge(rnd.choice(bodies), process, key=f"pe:{process}", type="BUYER_OF", role="procuringEntity")
        bidders = rnd.sample(companies, rnd.randint(1, 5))
        for bidder in bidders:
            for lot in range(rnd.choice((1, 1, 2))):  # one row per lot, as bids.details give them
                g.g.add_edge(bidder, process, key=f"TENDERED:{bidder}->{process}#{lot}", type="TENDERED")
        for k in range(rnd.choice((0, 1, 1, 2))):
            contract = f"contract{i}.{k}"
            g.node(contract, "Contract", title=f"Contrato {i}.{k}", currency="MXN",
                   date_signed=_day(rnd) if rnd.random() < 0.85 else None,
                   amount=rnd.choice([50_000.0, 1_500_000.0, 9_000_000.0, None]))
            g.edge(process, "AWARDED", contract)
            winner = rnd.choice(bidders) if rnd.random() < 0.8 else rnd.choice(holders)
            g.edge(winner, "SUPPLIES", contract)
        for o in rnd.sample(officials, rnd.choice((0, 1, 2))):
            g.edge(o, "INTERVENED_IN", process, role=rnd.choice(["requirente", "evaluadora"]))
    for node in rnd.sample(holders, 20 * scale):
        g.edge(node, "LOCATED_AT", rnd.choice(addresses))
    for i in range(6 * scale):
        sanction = f"sanction{i}"
        if rnd.random() < 0.4:
            g.node(sanction, "Sanction", program="SAT-69B", listed_on=_day(rnd),
                   status=rnd.choice(["Presunto", "Definitivo", "Desvirtuado"]))
        else:
            start = _day(rnd)
            g.node(sanction, "Sanction", program="PDN-S3", type=rnd.choice(["Inhabilitación", "Multa"]),
                   start=start, end=str(int(start[:4]) + rnd.randint(0, 3)) + start[4:], authority="SFP")
        g.edge(sanction, "SANCTIONED", rnd.choice(holders))
    # namesakes (one name, another valid RFC) and ties declared by name alone, from a stream of their own so that
    # the graph above stays what it was for every seed
    other = random.Random(seed + 7919)
    for _ in range(8 * scale):
        a, b = other.sample(companies, 2)
        g.edge(a, "NAMESAKE_OF", b, reason="same name, another valid RFC")
    for _, dst, data in g.g.edges(data=True):
        if data["type"] in ("OWNS", "DIRECTS", "REPRESENTS") and dst in companies and other.random() < 0.5:
            data["identified_by"] = "name"
    return g


def _tie(g: G, rnd: random.Random, src: str, rel: str, dst: str, **props: object) -> None:
    """A tie from a register (start/end) or declared in S1 (one relationship per declaration)."""
    if rnd.random() < 0.5:
        dated = {"start": _day(rnd)} if rnd.random() < 0.6 else {}
        g.edge(src, rel, dst, **props, **dated)
        return
    days = sorted(_day(rnd) for _ in range(rnd.randint(1, 3)))
    operations = ["AGREGAR"] + [rnd.choice(["SIN_CAMBIOS", "BAJA", "AGREGAR"]) for _ in days[1:]]
    for day, operation in zip(days, operations, strict=True):
        g.g.add_edge(src, dst, key=f"{rel}:{src}->{dst}#s1:{day}", type=rel, declared_on=day, operation=operation,
                     **props)


def to_batch(g: G) -> GraphBatch:
    """The graph as the writer would store it: every node and relationship, with provenance."""
    prov = Provenance("test", "random", "2024-01-01T00:00:00+00:00")
    batch = GraphBatch()
    labels = {}
    for node, data in g.g.nodes(data=True):
        labels[node] = data["label"]
        batch.node(data["label"], node, prov, **{k: v for k, v in data.items() if k not in ("label", "id")})
    for u, v, key, data in g.g.edges(keys=True, data=True):
        batch.rel(data["type"], (labels[u], u), (labels[v], v), prov, rel_id=str(key),
                  **{k: val for k, val in data.items() if k != "type"})
    return batch


def random_records(seed: int, g: G, count: int = 40, stamp: str = "2099-01-01T00:00:00.000+00:00") -> list[GraphBatch]:
    """New records about the entities of ``g``, each written as the link stage writes one: its facts with
    its provenance, and a mention (``written_at``) of each entity it names. New awards (a process, a
    contract, tenderers), declarations of holdings (AGREGAR or BAJA), posts that end, sanctions, relatives,
    addresses and interventions."""
    rnd = random.Random(seed)
    nodes = {label: sorted(n for n, d in g.g.nodes(data=True) if d["label"] == label)
             for label in ("Person", "Company", "PublicBody", "Address", "ContractingProcess")}
    posts = sorted((u, v, k, d) for u, v, k, d in g.g.edges(keys=True, data=True) if d["type"] == "HOLDS_POSITION")
    batches = []
    for i in range(count):
        prov = Provenance("test-records", f"record-{seed}-{i}", "2024-06-01T00:00:00+00:00")
        batch = GraphBatch()
        named: list[tuple[str, str]] = []
        kind = rnd.choice(["award", "award", "holding", "post", "sanction", "relative", "address", "intervention",
                           "namesake"])
        if kind == "award":
            buyer, supplier = rnd.choice(nodes["PublicBody"]), rnd.choice(nodes["Company"])
            process, contract = f"new-process-{seed}-{i}", f"new-contract-{seed}-{i}"
            batch.node("ContractingProcess", process, prov, title=f"Nuevo {i}")
            batch.node("Contract", contract, prov, title=f"Contrato nuevo {i}", date_signed=_day(rnd), currency="MXN",
                       amount=rnd.choice([90_000.0, 2_000_000.0]))
            batch.rel("BUYER_OF", ("PublicBody", buyer), ("ContractingProcess", process), prov, role="buyer")
            batch.rel("AWARDED", ("ContractingProcess", process), ("Contract", contract), prov)
            batch.rel("SUPPLIES", ("Company", supplier), ("Contract", contract), prov)
            named += [("PublicBody", buyer), ("Company", supplier)]
            for bidder in {supplier, *rnd.sample(nodes["Company"], rnd.randint(0, 3))}:
                batch.rel("TENDERED", ("Company", bidder), ("ContractingProcess", process), prov)
                named.append(("Company", bidder))
        elif kind == "holding":
            holder, company = rnd.choice(nodes["Person"]), rnd.choice(nodes["Company"])
            day = _day(rnd)
            batch.rel("OWNS", ("Person", holder), ("Company", company), prov,
                      rel_id=f"OWNS:{holder}->{company}#s1:{day}", share=rnd.choice([20, 60]), declared_on=day,
                      operation=rnd.choice(["AGREGAR", "BAJA"]), identified_by=rnd.choice(["name", None]))
            named += [("Person", holder), ("Company", company)]
        elif kind == "namesake":
            a, b = rnd.sample(nodes["Company"], 2)
            batch.rel("NAMESAKE_OF", ("Company", a), ("Company", b), prov, reason="same name, another valid RFC")
            named += [("Company", a)]
        elif kind == "post" and posts:
            official, body, key, data = rnd.choice(posts)
            props = {k: v for k, v in data.items() if k != "type" and v is not None}
            props["end"] = _day(rnd)
            batch.rel("HOLDS_POSITION", ("Person", official), ("PublicBody", body), prov, rel_id=str(key), **props)
            named += [("Person", official)]
        elif kind == "sanction":
            target = rnd.choice(nodes["Company"] + nodes["Person"])
            label = "Company" if target in nodes["Company"] else "Person"
            start = _day(rnd)
            batch.node("Sanction", f"new-sanction-{seed}-{i}", prov, program="PDN-S3", type="Inhabilitación",
                       start=start, end=str(int(start[:4]) + 2) + start[4:], authority="SFP")
            batch.rel("SANCTIONED", ("Sanction", f"new-sanction-{seed}-{i}"), (label, target), prov)
            named += [(label, target)]
        elif kind == "relative":
            a, b = rnd.sample(nodes["Person"], 2)
            batch.rel("FAMILY_OF", ("Person", a), ("Person", b), prov, relation="spouse")
            named += [("Person", a), ("Person", b)]
        elif kind == "address":
            company, address = rnd.choice(nodes["Company"]), rnd.choice(nodes["Address"])
            batch.rel("LOCATED_AT", ("Company", company), ("Address", address), prov)
            named += [("Company", company)]
        else:
            official, process = rnd.choice(nodes["Person"]), rnd.choice(nodes["ContractingProcess"])
            batch.rel("INTERVENED_IN", ("Person", official), ("ContractingProcess", process), prov, role="evaluadora")
            named += [("Person", official)]
        for j, (label, entity) in enumerate(named):
            mention = f"mention:{prov.record_id}:{j}"
            batch.node("Mention", mention, prov, name=entity, written_at=stamp)
            batch.rel("RESOLVED_TO", ("Mention", mention), (label, entity), prov, rel_id=f"RESOLVED_TO:{mention}")
        batches.append(batch)
    return batches
