"""Payments through VNPay (version 2.1.0): payment pages, IPN, refunds, querydr, the ledger."""
