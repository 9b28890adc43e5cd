"""Escalation: signals and the policy that turns them into a decision with reasons.

policy = load_policy(path)          # PolicyError names file, line and field
engine = EscalationEngine(policy)   # or EscalationEngine(load_default_policy())
decision = engine.decide(EscalationInput(...))   # pure, no I/O
"""

from relaydesk.escalation.engine import EscalationEngine, load_default_policy
from relaydesk.escalation.policy import PolicyError, PolicyIssue, check_policy_file, load_policy
from relaydesk.escalation.schema import Policy
from relaydesk.escalation.signals import SIGNALS, compute_signals

__all__ = [
    "SIGNALS",
    "EscalationEngine",
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "check_policy_file",
    "compute_signals",
    "load_default_policy",
    "load_policy",
]
