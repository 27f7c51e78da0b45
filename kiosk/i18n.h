/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * i18n — the kiosk's sentences in Vietnamese and English, worded as the web
 * client's projector view words them (web/i18n/vi.json, en.json).
 *
 * A message is a printf format; the arguments of one message come in the
 * same order and of the same types in both languages (tests/unit/
 * test_kiosk_layout.c checks the conversions match). Any thread; static
 * strings only.
 */
#ifndef KIOSK_I18N_H
#define KIOSK_I18N_H

enum lang { LANG_VI, LANG_EN };

enum msg {
	MSG_SCAN,               /* under the join code */
	MSG_WIFI,               /* "Wi-Fi: %s" */
	MSG_PASSWORD,           /* "Password: %s" */
	MSG_OPEN_NETWORK,       /* a Wi-Fi network without a password */
	MSG_ITEM,               /* "Item %d: %s" — the current agenda item */
	MSG_CONNECTED,
	MSG_CONNECTING,         /* "Connecting to %s…" */
	MSG_RECONNECTING,
	MSG_LOADING,            /* the presented page is on its way */
	MSG_PAGE,               /* "Page %d of %d" */
	MSG_MEETING_CLOSED,
	MSG_VOTE_OPEN,          /* the kicker of an open vote */
	MSG_VOTE_RESULT,        /* the kicker of a closed one */
	MSG_VOTE_PROGRESS,      /* "%d of %d have voted" */
	MSG_VOTE_PASSED,
	MSG_VOTE_FAILED,
	MSG_VOTE_FACTS,         /* "%d of %d present voted · %d members" */
	MSG_VOTE_SECRET,
	MSG_VOTE_NAMED,
	MSG_RULE_CAST,
	MSG_RULE_PRESENT,
	MSG_RULE_ALL,
	MSG_RULE_TWO_THIRDS,
	MSG_OPT_FOR,
	MSG_OPT_AGAINST,
	MSG_OPT_ABSTAIN,
	MSG_SPEAKING,           /* "Speaking:" */
	MSG_PAGE_FAILED,        /* headline of a page that cannot be shown */
	MSG_WHY_DAMAGED,        /* the reasons, one sentence each */
	MSG_WHY_PASSWORD,
	MSG_WHY_TIMEOUT,
	MSG_WHY_MEMORY,
	MSG_WHY_CRASH,
	MSG_WHY_NO_PAGE,
	MSG_WHY_FORBIDDEN,
	MSG_WHY_NOT_FOUND,
	MSG_WHY_DOWNLOAD,
	MSG_JOIN_REFUSED,       /* the display link was refused */
	MSG_COUNT
};

/* The message in that language (a printf format). */
const char *i18n(enum lang lang, enum msg m);

/* "vi" or "en" (any case) into *out. Returns 0 or -EINVAL. */
int i18n_lang_parse(const char *s, enum lang *out);

/* A poll option as shown: the default options ("for", "against",
 * "abstain", any case) in the language, any other text as written. */
const char *i18n_option(enum lang lang, const char *option);

/* The name of a majority rule ("cast", "present", "all", "two_thirds"). */
const char *i18n_rule(enum lang lang, const char *rule);

#endif
