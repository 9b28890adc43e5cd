"""Routing: queue order, agent choice, wait estimates. Decisions are pure functions."""
