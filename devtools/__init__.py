"""Developer tooling, not shipped in the package: the seeded scenario generator, the demo, and the
evaluation against planted truth. Run from a checkout (``python -m devtools.demo``)."""
