"""The API's routes, one module per area: health, entities (search, profiles, neighbourhoods,
paths), flags (cases), matches (entity-resolution judgments), admin (audit, tokens)."""
