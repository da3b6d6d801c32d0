"""For journalists: the Neo4j Browser kit served over HTTP (``browser``), the guide rendered
from the kit (``guide``), and a W3C reconciliation service over the graph (``reconcile``,
scored by ``candidates``). The routers are FastAPI ``APIRouter`` objects the HTTP API mounts;
``app.make_app`` mounts them on their own (tests, and ``python -m engine.journalists.app``).
"""
