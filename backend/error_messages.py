"""What each error code says, in both languages, when nothing more specific is said.

A raise site usually says exactly what went wrong (`DomainError(code, en=..., vi=..., field=...)`);
a code's entry here is what a bare `DomainError(code)` says, and what top-level errors (masked
failures, an unavailable database, a refused permission) say. Every code of every domain's
`...ErrorCode` enum has an entry: tests/test_i18n.py walks them all.
"""

from __future__ import annotations

from backend.i18n import Message

CODE_MESSAGES: dict[str, Message] = {
    # Accounts: profile and consents.
    "DISPLAY_NAME_LENGTH": Message(
        en="A display name has 1 to 60 characters", vi="Tên hiển thị có từ 1 đến 60 ký tự"
    ),
    "DISPLAY_NAME_INVALID": Message(
        en="A display name cannot contain control characters",
        vi="Tên hiển thị không được chứa ký tự điều khiển",
    ),
    "LOCALE_INVALID": Message(
        en="The language must be a BCP 47 tag", vi="Ngôn ngữ phải là thẻ BCP 47"
    ),
    "VERSION_REQUIRED": Message(
        en="Say which version of the document this is about",
        vi="Cần cho biết phiên bản của văn bản",
    ),
    "VERSION_OUTDATED": Message(
        en="This is not the document's current version",
        vi="Đây không phải phiên bản hiện hành của văn bản",
    ),
    # Shared by several domains.
    "INVALID_INPUT": Message(en="The input is not valid", vi="Dữ liệu nhập không hợp lệ"),
    "INVALID": Message(en="The input is not valid", vi="Dữ liệu nhập không hợp lệ"),
    "NOT_FOUND": Message(en="Not found", vi="Không tìm thấy"),
    "FORBIDDEN": Message(
        en="You are not allowed to do this", vi="Bạn không có quyền thực hiện thao tác này"
    ),
    "UNAUTHENTICATED": Message(
        en="Sign in to do this", vi="Hãy đăng nhập để thực hiện thao tác này"
    ),
    "CHANGED": Message(
        en="It changed meanwhile; reload it", vi="Nội dung đã thay đổi trong lúc này; hãy tải lại"
    ),
    "INVALID_CURSOR": Message(en="The cursor is not valid", vi="Con trỏ phân trang không hợp lệ"),
    "INVALID_PAGE_SIZE": Message(
        en="The page size is not valid", vi="Kích thước trang không hợp lệ"
    ),
    "INVALID_RADIUS": Message(en="The radius is not valid", vi="Bán kính không hợp lệ"),
    "IDEMPOTENCY_KEY_REUSED": Message(
        en="This idempotency key was already used with other input",
        vi="Khóa idempotency này đã được dùng với dữ liệu khác",
    ),
    "RATE_LIMITED": Message(
        en="Too many requests; try again later", vi="Quá nhiều yêu cầu; hãy thử lại sau"
    ),
    "CONFLICT": Message(
        en="Too many changes to the same thing at once; try again in a moment",
        vi="Có quá nhiều thay đổi cùng lúc trên cùng một nội dung; hãy thử lại sau giây lát",
    ),
    "UNAVAILABLE": Message(
        en="The service is unavailable for a moment; try again shortly",
        vi="Dịch vụ tạm thời gián đoạn; hãy thử lại sau ít phút",
    ),
    "INTERNAL_SERVER_ERROR": Message(en="Internal server error", vi="Lỗi máy chủ nội bộ"),
    "BAD_REQUEST": Message(en="The request is not valid", vi="Yêu cầu không hợp lệ"),
    # Reports.
    "UNKNOWN_CATEGORY": Message(en="No such category", vi="Không có danh mục này"),
    "DESCRIPTION_LENGTH": Message(
        en="The description is too short or too long", vi="Phần mô tả quá ngắn hoặc quá dài"
    ),
    "INVALID_LOCATION": Message(en="Not a position on Earth", vi="Không phải một vị trí hợp lệ"),
    "OUTSIDE_CITY": Message(en="Outside Hanoi", vi="Nằm ngoài địa bàn Hà Nội"),
    "TOO_MANY_PHOTOS": Message(en="Too many photos", vi="Quá nhiều ảnh"),
    "INVALID_PHOTO": Message(en="A photo is not valid", vi="Có ảnh không hợp lệ"),
    "OWN_REPORT": Message(
        en="You reported this yourself", vi="Bạn chính là người gửi phản ánh này"
    ),
    "REPORT_CLOSED": Message(en="This report is closed", vi="Phản ánh này đã đóng"),
    "NOT_REOPENABLE": Message(
        en="This report cannot be reopened", vi="Không thể mở lại phản ánh này"
    ),
    "REOPEN_WINDOW_CLOSED": Message(
        en="Too late to reopen this report", vi="Đã quá thời hạn mở lại phản ánh này"
    ),
    "NOT_RATEABLE": Message(en="This report cannot be rated", vi="Chưa thể đánh giá phản ánh này"),
    "ALREADY_RATED": Message(
        en="You already rated this report", vi="Bạn đã đánh giá phản ánh này rồi"
    ),
    "INVALID_RATING": Message(en="1 to 5 stars", vi="Từ 1 đến 5 sao"),
    "BANNED": Message(
        en="Your account may not do this", vi="Tài khoản của bạn không được phép làm việc này"
    ),
    # Moderation.
    "ILLEGAL_TRANSITION": Message(
        en="The report cannot take this status", vi="Phản ánh không thể chuyển sang trạng thái này"
    ),
    "NOTE_REQUIRED": Message(en="A public note is required", vi="Cần có ghi chú công khai"),
    "PHOTO_REQUIRED": Message(en="A photo is required", vi="Cần đính kèm ảnh"),
    "LOCKED": Message(
        en="Another moderator is working on this report",
        vi="Một kiểm duyệt viên khác đang xử lý phản ánh này",
    ),
    "INVALID_MERGE": Message(
        en="These reports cannot be merged", vi="Không thể gộp các phản ánh này"
    ),
    "UNKNOWN_DEPARTMENT": Message(en="No such department", vi="Không có đơn vị này"),
    "TOO_MANY_REPORTS": Message(en="Too many reports at once", vi="Quá nhiều phản ánh cùng lúc"),
    "NOT_IN_UNIT": Message(
        en="This person is not on the staff of the report's unit",
        vi="Người này không thuộc đơn vị xử lý phản ánh",
    ),
    # Tourism.
    "TOO_FAR": Message(en="You are too far from this place", vi="Bạn đang ở quá xa địa điểm này"),
    "REVIEW_HIDDEN": Message(
        en="Your review was hidden by a moderator",
        vi="Đánh giá của bạn đã bị kiểm duyệt viên ẩn",
    ),
    # Notifications.
    "INVALID_TOKEN": Message(
        en="The device token is not valid", vi="Mã thiết bị (token) không hợp lệ"
    ),
    "TOKEN_EMPTY": Message(en="The device token is empty", vi="Mã thiết bị (token) trống"),
    "TOKEN_TOO_LONG": Message(en="The device token is too long", vi="Mã thiết bị (token) quá dài"),
    "TOKEN_NOT_FCM": Message(
        en="This is not an FCM registration token", vi="Đây không phải FCM registration token"
    ),
    "TOKEN_IS_APNS": Message(
        en="This is an APNs device token, not an FCM registration token",
        vi="Đây là APNs device token, không phải FCM registration token",
    ),
    "TOKEN_IS_EXPO": Message(
        en="This is an Expo push token, not an FCM registration token",
        vi="Đây là Expo push token, không phải FCM registration token",
    ),
    # Bookings.
    "SOLD_OUT": Message(en="Sold out", vi="Đã hết chỗ"),
    "HOLD_EXPIRED": Message(
        en="The hold expired: hold again", vi="Lượt giữ chỗ đã hết hạn: hãy giữ chỗ lại"
    ),
    "HOLD_ALREADY_CONFIRMED": Message(
        en="This hold is already booked", vi="Lượt giữ chỗ này đã được đặt"
    ),
    "INVALID_DATES": Message(en="The dates are not valid", vi="Ngày không hợp lệ"),
    "TOO_MANY_GUESTS": Message(en="Too many guests", vi="Quá nhiều khách"),
    "DEPARTED": Message(en="This departure has left", vi="Chuyến này đã khởi hành"),
    "CANCELLATION_NOT_ALLOWED": Message(
        en="This booking can no longer be cancelled", vi="Không thể hủy đặt chỗ này nữa"
    ),
    "ALREADY_CANCELLED": Message(en="Already cancelled", vi="Đã hủy trước đó"),
    "INVENTORY_BELOW_SOLD": Message(
        en="More rooms are already held or sold", vi="Số phòng đã giữ hoặc đã bán nhiều hơn thế"
    ),
    "DEPARTURE_EXISTS": Message(
        en="This tour already departs at that time", vi="Tour này đã có chuyến khởi hành vào giờ đó"
    ),
    # Payments (bookingPay); the raise sites say which booking state refused.
    "NOT_PAYABLE": Message(
        en="This booking cannot be paid now", vi="Hiện không thể thanh toán đơn đặt chỗ này"
    ),
    "PAYMENTS_UNAVAILABLE": Message(
        en="Payments are not available right now", vi="Hiện chưa thể thanh toán"
    ),
    # Tickets at the door (bookingRedeem).
    "TICKET_INVALID": Message(
        en="This is not a valid ticket: it was altered or not issued by ThangLong",
        vi="Vé không hợp lệ: mã đã bị sửa hoặc không do ThangLong phát hành",
    ),
    "TICKET_ALREADY_REDEEMED": Message(
        en="This ticket has already been used", vi="Vé này đã được sử dụng"
    ),
    "TICKET_CANCELLED": Message(
        en="This ticket's booking was cancelled", vi="Đơn đặt chỗ của vé này đã bị hủy"
    ),
    "TICKET_EXPIRED": Message(en="This ticket has expired", vi="Vé này đã hết hạn"),
    "TICKET_NOT_YET_VALID": Message(
        en="This ticket is not valid yet", vi="Vé này chưa đến thời gian sử dụng"
    ),
    "TICKET_OTHER_OPERATOR": Message(
        en="This ticket is for another operator's service",
        vi="Vé này dành cho dịch vụ của đơn vị khác",
    ),
    "TICKET_NOT_CONFIRMED": Message(
        en="This ticket's booking is not confirmed", vi="Đơn đặt chỗ của vé này chưa được xác nhận"
    ),
    # bookingNoShow (restaurant tables).
    "NO_SHOW_NOT_ALLOWED": Message(
        en="A no-show can be marked only for a confirmed table booking, from 15 minutes after "
        "its seating",
        vi="Chỉ ghi nhận khách không đến cho đơn đặt bàn đã xác nhận, sau giờ đặt bàn 15 phút",
    ),
    # Photos.
    "INVALID_IMAGE": Message(en="The image is not valid", vi="Ảnh không hợp lệ"),
    "UNSUPPORTED_MEDIA_TYPE": Message(
        en="This file is not a photo we accept", vi="Tệp này không phải ảnh được hỗ trợ"
    ),
    "PAYLOAD_TOO_LARGE": Message(en="The file is too large", vi="Tệp quá lớn"),
}


def code_message(code: str) -> Message:
    """The words for `code` (by name); the generic invalid-input words for a code without any."""
    return CODE_MESSAGES.get(code) or CODE_MESSAGES["INVALID_INPUT"]
