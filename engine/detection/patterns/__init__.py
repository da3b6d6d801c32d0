"""One module per detection pattern; the registry in ``engine.detection.registry`` lists them."""
