"""Entity resolution: normalise names and identifiers, block, score, cluster."""
