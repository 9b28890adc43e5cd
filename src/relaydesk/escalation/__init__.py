"""Escalation: signals and the policy that turns them into a decision with reasons."""
