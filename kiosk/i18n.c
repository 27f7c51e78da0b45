/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* i18n — see i18n.h. */
#include "i18n.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static const char *const vi[MSG_COUNT] = {
	[MSG_SCAN] = "Quét mã QR để tham gia cuộc họp",
	[MSG_WIFI] = "Wi-Fi: %s",
	[MSG_PASSWORD] = "Mật khẩu: %s",
	[MSG_OPEN_NETWORK] = "Mạng mở, không cần mật khẩu",
	[MSG_ITEM] = "Nội dung %d: %s",
	[MSG_CONNECTED] = "Đã kết nối",
	[MSG_CONNECTING] = "Đang kết nối tới %s…",
	[MSG_RECONNECTING] = "Đang mất kết nối — đang kết nối lại…",
	[MSG_LOADING] = "Đang tải tài liệu…",
	[MSG_PAGE] = "Trang %d/%d",
	[MSG_MEETING_CLOSED] = "Cuộc họp đã kết thúc",
	[MSG_VOTE_OPEN] = "ĐANG BIỂU QUYẾT",
	[MSG_VOTE_RESULT] = "KẾT QUẢ BIỂU QUYẾT",
	[MSG_VOTE_PROGRESS] = "Đã có %d/%d đại biểu biểu quyết",
	[MSG_VOTE_PASSED] = "Thông qua",
	[MSG_VOTE_FAILED] = "Không thông qua",
	[MSG_VOTE_FACTS] = "%d/%d đại biểu có mặt đã biểu quyết · %d thành viên",
	[MSG_VOTE_SECRET] = "Phiếu kín",
	[MSG_VOTE_NAMED] = "Biểu quyết công khai",
	[MSG_RULE_CAST] = "Trên số phiếu biểu quyết",
	[MSG_RULE_PRESENT] = "Trên số đại biểu có mặt",
	[MSG_RULE_ALL] = "Trên tổng số thành viên",
	[MSG_RULE_TWO_THIRDS] = "Hai phần ba",
	[MSG_OPT_FOR] = "Tán thành",
	[MSG_OPT_AGAINST] = "Không tán thành",
	[MSG_OPT_ABSTAIN] = "Không biểu quyết",
	[MSG_SPEAKING] = "Đang phát biểu:",
	[MSG_PAGE_FAILED] = "Không thể hiển thị trang này",
	[MSG_WHY_DAMAGED] = "Tài liệu bị hỏng hoặc không phải định dạng mà máy chiếu đọc được.",
	[MSG_WHY_PASSWORD] = "Tài liệu được bảo vệ bằng mật khẩu.",
	[MSG_WHY_TIMEOUT] = "Trang này vẽ quá lâu và đã bị dừng.",
	[MSG_WHY_MEMORY] = "Trang này cần quá nhiều bộ nhớ.",
	[MSG_WHY_CRASH] = "Trình hiển thị đã dừng khi vẽ trang này; tài liệu có thể bị hỏng.",
	[MSG_WHY_NO_PAGE] = "Tài liệu không có trang này.",
	[MSG_WHY_FORBIDDEN] = "Máy chủ không cho màn hình này tải tài liệu.",
	[MSG_WHY_NOT_FOUND] = "Tài liệu không còn trên máy chủ.",
	[MSG_WHY_DOWNLOAD] = "Không tải được tài liệu từ máy chủ; sẽ thử lại khi có kết nối.",
	[MSG_JOIN_REFUSED] = ("Máy chủ không nhận đường dẫn màn hình này (có thể đã bị thu hồi). "
			      "Hãy khởi động lại với display_url của cuộc họp."),
};

static const char *const en[MSG_COUNT] = {
	[MSG_SCAN] = "Scan the QR code to join the meeting",
	[MSG_WIFI] = "Wi-Fi: %s",
	[MSG_PASSWORD] = "Password: %s",
	[MSG_OPEN_NETWORK] = "Open network, no password",
	[MSG_ITEM] = "Item %d: %s",
	[MSG_CONNECTED] = "Connected",
	[MSG_CONNECTING] = "Connecting to %s…",
	[MSG_RECONNECTING] = "Offline — reconnecting…",
	[MSG_LOADING] = "Loading the document…",
	[MSG_PAGE] = "Page %d of %d",
	[MSG_MEETING_CLOSED] = "The meeting is closed",
	[MSG_VOTE_OPEN] = "VOTE IN PROGRESS",
	[MSG_VOTE_RESULT] = "RESULT OF THE VOTE",
	[MSG_VOTE_PROGRESS] = "%d of %d have voted",
	[MSG_VOTE_PASSED] = "Passed",
	[MSG_VOTE_FAILED] = "Failed",
	[MSG_VOTE_FACTS] = "%d of %d present voted · %d members",
	[MSG_VOTE_SECRET] = "Secret ballot",
	[MSG_VOTE_NAMED] = "Named vote",
	[MSG_RULE_CAST] = "Of votes cast",
	[MSG_RULE_PRESENT] = "Of members present",
	[MSG_RULE_ALL] = "Of all members",
	[MSG_RULE_TWO_THIRDS] = "Two thirds",
	[MSG_OPT_FOR] = "For",
	[MSG_OPT_AGAINST] = "Against",
	[MSG_OPT_ABSTAIN] = "Abstain",
	[MSG_SPEAKING] = "Speaking:",
	[MSG_PAGE_FAILED] = "This page cannot be shown",
	[MSG_WHY_DAMAGED] = "The document is damaged, or not in a format the display can read.",
	[MSG_WHY_PASSWORD] = "The document is protected by a password.",
	[MSG_WHY_TIMEOUT] = "The page took too long to draw and was stopped.",
	[MSG_WHY_MEMORY] = "The page needs too much memory.",
	[MSG_WHY_CRASH] = "The renderer stopped while drawing this page; the document may be damaged.",
	[MSG_WHY_NO_PAGE] = "The document has no such page.",
	[MSG_WHY_FORBIDDEN] = "The server does not let this display download the document.",
	[MSG_WHY_NOT_FOUND] = "The document is no longer on the server.",
	[MSG_WHY_DOWNLOAD] = ("The document could not be downloaded; the display will try again "
			      "once it is connected."),
	[MSG_JOIN_REFUSED] = ("The server refused this display link (it may have been revoked). "
			      "Start the kiosk with the meeting's display_url."),
};

const char *i18n(enum lang lang, enum msg m)
{
	if ((unsigned)m >= MSG_COUNT)
		return "";
	return lang == LANG_EN ? en[m] : vi[m];
}

int i18n_lang_parse(const char *s, enum lang *out)
{
	if (s && !strcasecmp(s, "vi"))
		*out = LANG_VI;
	else if (s && !strcasecmp(s, "en"))
		*out = LANG_EN;
	else
		return -EINVAL;
	return 0;
}

const char *i18n_option(enum lang lang, const char *option)
{
	if (!option)
		return "";
	if (!strcasecmp(option, "for"))
		return i18n(lang, MSG_OPT_FOR);
	if (!strcasecmp(option, "against"))
		return i18n(lang, MSG_OPT_AGAINST);
	if (!strcasecmp(option, "abstain"))
		return i18n(lang, MSG_OPT_ABSTAIN);
	return option;
}

const char *i18n_rule(enum lang lang, const char *rule)
{
	if (rule && !strcmp(rule, "present"))
		return i18n(lang, MSG_RULE_PRESENT);
	if (rule && !strcmp(rule, "all"))
		return i18n(lang, MSG_RULE_ALL);
	if (rule && !strcmp(rule, "two_thirds"))
		return i18n(lang, MSG_RULE_TWO_THIRDS);
	return i18n(lang, MSG_RULE_CAST);
}
