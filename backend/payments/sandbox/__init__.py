"""A local VNPay sandbox for `make run` and the tests; never for production (settings refuse a
loopback VNPay URL there).

It speaks VNPay 2.1.0 as backend/payments/vnpay.py writes it: `GET /paymentv2/vpcpay.html`
checks the signed payment URL and shows a page to pay, fail (51) or cancel (24);
`POST /paymentv2/decide` records the outcome, sends the signed IPN (GET to the merchant's IPN
URL, as VNPay does) and redirects the browser to `vnp_ReturnUrl` with the same signed result.
`POST /merchant_webapi/api/transaction` answers querydr and refund with their checksums. VNPay
does not retry IPNs here.

Control API (JSON):
- `PUT /_sandbox/merchants/{tmn}` `{hashSecret, ipnUrl?}` registers a merchant; without an
  `ipnUrl`, IPNs wait to be taken (`GET .../ipns?take=true`), so a test can deliver them to an
  app it serves in-process;
- `PUT /_sandbox/merchants/{tmn}/ipn-rules` `{rules: [{action, times?, delaySeconds?}]}` bends
  the next IPNs, one rule each in order: send (as is), drop (never sent: querydr must find the
  payment), duplicate (sent twice at once), delay (held until `POST .../ipns/release`, or
  `delaySeconds`), wrong_amount (another amount, correctly signed), bad_signature;
- `GET /_sandbox/merchants/{tmn}/transactions/{txnRef}`: status and amount refunded.

Run with `python -m backend.payments.sandbox --port 9098`, or `LocalVnpay` (a child process).
"""

from backend.payments.sandbox.process import LocalVnpay

__all__ = ["LocalVnpay"]
