"""Test-only seams of the production smoke test, copied into its throwaway virtualenv only.

Why this exists: production must refuse FIREBASE_AUTH_EMULATOR_HOST and FCM_ENDPOINT (the emulator
accepts unsigned tokens), so the smoke test cannot point the production processes at local
stand-ins through any setting. Nor may it reach Google. So the test installs this module, with a
`.pth` file that imports it, into the site-packages of the venv it built; it does nothing unless
THANGLONG_SMOKE_SEAMS is set, and then moves the three Google URLs firebase-admin calls to
loopback, in every process of that venv (uvicorn's workers, the push worker, the release):

- ID token certificates (`_token_gen.ID_TOKEN_CERT_URI`): the test's certificate server, which
  holds the public key of the key that signs its ID tokens (as tests/conftest.py does in-process);
- Identity Toolkit (`UserManager.ID_TOOLKIT_URL`): the revocation check every write makes;
- FCM (`_MessagingService.FCM_URL`): the local FCM endpoint, which records the pushes.

The fourth Google URL, the OAuth token endpoint, needs no seam: the generated service-account
key names the test's loopback `token_uri`, so google-auth signs a JWT grant with that key and gets
its access token locally, exactly as it would from Google. Nothing in the wheel knows about this
file; the app runs as shipped.
"""

from __future__ import annotations

import json
import os

_SEAMS = os.environ.get("THANGLONG_SMOKE_SEAMS")

if _SEAMS:
    import firebase_admin._token_gen as _token_gen
    import firebase_admin._user_mgt as _user_mgt
    from firebase_admin import messaging as _messaging

    _urls = json.loads(_SEAMS)
    _token_gen.ID_TOKEN_CERT_URI = _urls["certs"]
    _user_mgt.UserManager.ID_TOOLKIT_URL = _urls["identity_toolkit"]
    _messaging._MessagingService.FCM_URL = _urls["fcm"] + "/v1/projects/{0}/messages:send"
