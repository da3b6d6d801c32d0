"""The investigators' workspace: an HTTP API and a web UI over the graph (`vinculo serve`)."""
