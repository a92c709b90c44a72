"""Which device token deviceRegister takes, and why it refuses the others.

The app sends the FCM registration token its Firebase SDK gives (`getToken()` in the Firebase JS
SDK, `messaging().getToken()` in React Native Firebase): "<installation id>:<more>", URL-safe
characters, about 160 of them. An app that opted in to installation-id messaging may send its
Firebase installation id instead (22 characters). The tokens apps most often send by mistake are
told apart, so the developer reads what to send instead: Expo's push token (for Expo's own push
service, not FCM) and the APNs device token (64 hex digits; FCM maps its own token to it).
"""

from __future__ import annotations

import re

from backend.errors import DomainError

# FCM documents no maximum; registration tokens are about 160 characters.
MAX_TOKEN = 4096
MIN_TOKEN = 16
_URL_SAFE = re.compile(r"[A-Za-z0-9_:\-]+")
_APNS = re.compile(r"[0-9A-Fa-f]{64}")
_EXPO = re.compile(r"Expo(nent)?PushToken\[.*\]")
_SDK_CALL = "getToken() (React Native Firebase: messaging().getToken())"
_SEND_EN = f"send the FCM registration token from {_SDK_CALL}"
_SEND_VI = f"hãy gửi FCM registration token lấy từ {_SDK_CALL}"


def check_token(token: str) -> None:
    """Raise the reason a device token cannot address an app through FCM, if there is one."""
    if not token.strip():
        raise DomainError(
            "TOKEN_EMPTY",
            en=f"The token is empty: {_SEND_EN}",
            vi=f"Token trống: {_SEND_VI}",
            field="token",
        )
    if len(token) > MAX_TOKEN:
        raise DomainError(
            "TOKEN_TOO_LONG",
            en=f"The token has {len(token)} characters; at most {MAX_TOKEN} are taken",
            vi=f"Token dài {len(token)} ký tự; tối đa {MAX_TOKEN} ký tự",
            field="token",
        )
    if _EXPO.fullmatch(token):
        raise DomainError(
            "TOKEN_IS_EXPO",
            en=f"This is an Expo push token, for Expo's push service: {_SEND_EN}",
            vi=f"Đây là Expo push token, chỉ dùng cho dịch vụ push của Expo: {_SEND_VI}",
            field="token",
        )
    if _APNS.fullmatch(token):
        raise DomainError(
            "TOKEN_IS_APNS",
            en=f"This is an APNs device token: {_SEND_EN}; FCM maps it to APNs",
            vi=f"Đây là APNs device token: {_SEND_VI}; FCM tự chuyển tới APNs",
            field="token",
        )
    if len(token) < MIN_TOKEN or not _URL_SAFE.fullmatch(token):
        raise DomainError(
            "TOKEN_NOT_FCM",
            en=f"This is not an FCM registration token (at least {MIN_TOKEN} URL-safe "
            f"characters): {_SEND_EN}",
            vi=f"Đây không phải FCM registration token (ít nhất {MIN_TOKEN} ký tự an toàn cho "
            f"URL): {_SEND_VI}",
            field="token",
        )
