"""Alerts: subscriptions, matched against flags, delivered once each."""
