"""Vínculo: an event-driven graph analytics engine for finding hidden links in
anticorruption open data."""

__version__ = "0.1.0"
