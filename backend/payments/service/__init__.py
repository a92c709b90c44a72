"""The business rules of payments; routes, resolvers, the worker and the CLI import from here."""

from backend.payments.service.common import PaymentError, merchant_of
from backend.payments.service.ipn import apply_result, handle_ipn
from backend.payments.service.pay import start_payment
from backend.payments.service.reconcile import Disagreement, reconcile_day
from backend.payments.service.refunds import settle_refunds
from backend.payments.service.worker import check_pending, run_due, scheduled

__all__ = [
    "Disagreement",
    "PaymentError",
    "apply_result",
    "check_pending",
    "handle_ipn",
    "merchant_of",
    "reconcile_day",
    "run_due",
    "scheduled",
    "settle_refunds",
    "start_payment",
]
