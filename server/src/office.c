/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * office — see office.h.
 *
 * Sniffing. Office Open XML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS,
 * ODP) files are ZIP archives (APPNOTE.TXT, PKWARE): OOXML has a
 * `[Content_Types].xml` entry and its parts under `word/`, `xl/` or `ppt/`
 * (ECMA-376 Part 2, §10.1.2), found by walking the ZIP's central directory;
 * ODF stores a `mimetype` entry first and uncompressed, whose content names
 * the kind (ODF 1.2 Part 3, §3.3). Word 97 files and their kin are OLE2
 * compound files (magic D0 CF 11 E0 A1 B1 1A E1; [MS-CFB] §2.2), told apart
 * by the names of their streams; RTF starts with `{\rtf`. LibreOffice opens
 * anything as plain text when it cannot tell what it is, so a file named as
 * a ZIP-based format that is no ZIP is refused here, not converted.
 *
 * Conversion. fork + exec of soffice; in the child, before exec (async-
 * signal-safe calls only, since the caller is a thread of a threaded
 * process): a fresh signal mask, its own process group (so that the killing
 * of oosplash's soffice.bin child is one kill(-pgid)), death with the forking
 * thread, resource limits, stdin from /dev/null, stdout and stderr to a pipe
 * that the parent reads (bounded) for the log. soffice exits 0 even when it
 * could not load the file, so success is "the PDF exists and is not empty".
 */
#define _GNU_SOURCE
#include "office.h"
#include "library.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* A central directory larger than this is not read (real ones: a few KiB). */
#define ZIP_CD_MAX (8u << 20)
/* Output of soffice kept for the log. */
#define OUTPUT_MAX 2048
/* Address space of a LibreOffice process (it needs about 1 GiB to start). */
#define OFFICE_MEM_LIMIT ((rlim_t)4 << 30)
/* Largest PDF a conversion may write. */
#define OFFICE_FILE_LIMIT ((rlim_t)1 << 30)

static const char *const office_exts[] = {
	"docx", "doc", "odt", "xlsx", "xls", "ods", "pptx", "ppt", "odp", "rtf", NULL
};

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int office_ext(const char *ext)
{
	for (int i = 0; ext && office_exts[i]; i++)
		if (strcmp(ext, office_exts[i]) == 0)
			return 1;
	return 0;
}

static const char *kind_name(const char *ext)
{
	if (!strcmp(ext, "docx") || !strcmp(ext, "doc"))
		return "a Word document";
	if (!strcmp(ext, "xlsx") || !strcmp(ext, "xls"))
		return "an Excel workbook";
	if (!strcmp(ext, "pptx") || !strcmp(ext, "ppt"))
		return "a PowerPoint presentation";
	if (!strcmp(ext, "odt"))
		return "an OpenDocument text";
	if (!strcmp(ext, "ods"))
		return "an OpenDocument spreadsheet";
	if (!strcmp(ext, "odp"))
		return "an OpenDocument presentation";
	return "an Office document";
}

/* ---- sniffing ------------------------------------------------------------ */

static unsigned u16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static ssize_t read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* ODF: the first local header holds `mimetype`, stored (APPNOTE 4.3.7). */
static const char *odf_kind(const unsigned char *h, size_t n)
{
	static const struct { const char *mime, *ext; } kinds[] = {
		{ "application/vnd.oasis.opendocument.text", "odt" },
		{ "application/vnd.oasis.opendocument.spreadsheet", "ods" },
		{ "application/vnd.oasis.opendocument.presentation", "odp" },
	};
	size_t name_len, extra_len, size;
	const unsigned char *data;

	if (n < 30 + 8)
		return NULL;
	name_len = u16(h + 26);
	extra_len = u16(h + 28);
	size = u32(h + 18);
	if (name_len != 8 || memcmp(h + 30, "mimetype", 8) != 0 || u16(h + 8) != 0)
		return NULL;
	if (30 + name_len + extra_len + size > n)
		return NULL;
	data = h + 30 + name_len + extra_len;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t k = strlen(kinds[i].mime);
		/* Templates ("…text-template") convert the same way. */
		if (size >= k && memcmp(data, kinds[i].mime, k) == 0)
			return kinds[i].ext;
	}
	return NULL;
}

/* OOXML: walks the central directory (APPNOTE 4.3.12, 4.3.16). Returns the
 * extension, "" for a readable ZIP that is no OOXML file, NULL for a ZIP
 * whose directory cannot be read. */
static const char *ooxml_kind(int fd, off_t size)
{
	unsigned char tail[65536 + 22], *cd = NULL;
	const char *kind = NULL;
	int types = 0, word = 0, xl = 0, ppt = 0;
	size_t tail_len, pos;
	off_t tail_off;
	uint32_t cd_size, cd_off;
	ssize_t n;

	tail_len = size < (off_t)sizeof tail ? (size_t)size : sizeof tail;
	tail_off = size - (off_t)tail_len;
	n = read_at(fd, tail, tail_len, tail_off);
	if (n != (ssize_t)tail_len || tail_len < 22)
		return NULL;
	/* The end of central directory record: the last "PK\5\6". */
	for (pos = tail_len - 22 + 1; pos-- > 0;)
		if (memcmp(tail + pos, "PK\5\6", 4) == 0)
			break;
	if (pos == (size_t)-1)
		return NULL;
	cd_size = u32(tail + pos + 12);
	cd_off = u32(tail + pos + 16);
	if (cd_size == 0 || cd_size > ZIP_CD_MAX || (off_t)cd_off + cd_size > size)
		return NULL;
	cd = malloc(cd_size);
	if (!cd)
		return NULL;
	if (read_at(fd, cd, cd_size, (off_t)cd_off) != (ssize_t)cd_size)
		goto out;
	for (pos = 0; pos + 46 <= cd_size;) {
		size_t name_len = u16(cd + pos + 28);
		const char *name = (const char *)cd + pos + 46;

		if (memcmp(cd + pos, "PK\1\2", 4) != 0 || pos + 46 + name_len > cd_size)
			goto out;
		if (name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
			types = 1;
		else if (name_len > 5 && memcmp(name, "word/", 5) == 0)
			word = 1;
		else if (name_len > 3 && memcmp(name, "xl/", 3) == 0)
			xl = 1;
		else if (name_len > 4 && memcmp(name, "ppt/", 4) == 0)
			ppt = 1;
		pos += 46 + name_len + u16(cd + pos + 30) + u16(cd + pos + 32);
	}
	kind = !types ? "" : word ? "docx" : xl ? "xlsx" : ppt ? "pptx" : "";
out:
	free(cd);
	return kind;
}

/* OLE2: the stream names in the first directory sector ([MS-CFB] §2.6). */
static const char *ole2_kind(int fd, const unsigned char *h, size_t n)
{
	static const struct { const char *name, *ext; } streams[] = {
		{ "WordDocument", "doc" }, { "Workbook", "xls" }, { "Book", "xls" },
		{ "PowerPoint Document", "ppt" },
	};
	unsigned char sec[4096];
	unsigned shift;
	size_t ssz;

	if (n < 0x34)
		return NULL;
	shift = u16(h + 0x1e);
	if (shift != 9 && shift != 12)
		return NULL;
	ssz = (size_t)1 << shift;
	if (read_at(fd, sec, ssz, (off_t)(((off_t)u32(h + 0x30) + 1) << shift)) != (ssize_t)ssz)
		return NULL;
	for (size_t e = 0; e + 128 <= ssz; e += 128) {
		size_t len = u16(sec + e + 0x40); /* bytes, with the UTF-16 NUL */
		char name[32];
		size_t k;

		if (len < 2 || len > 64)
			continue;
		for (k = 0; k < len / 2 - 1 && k < sizeof name - 1; k++)
			name[k] = sec[e + 2 * k + 1] ? '?' : (char)sec[e + 2 * k];
		name[k] = 0;
		for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++)
			if (strcmp(name, streams[i].name) == 0)
				return streams[i].ext;
	}
	return NULL;
}

static int zip_based(const char *ext)
{
	return !strcmp(ext, "docx") || !strcmp(ext, "xlsx") || !strcmp(ext, "pptx") ||
	       !strcmp(ext, "odt") || !strcmp(ext, "ods") || !strcmp(ext, "odp");
}

int office_sniff(const char *path, const char *name_ext, char ext[16],
		 char *err, size_t errlen)
{
	static const unsigned char ole2[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	unsigned char h[4096];
	const char *kind = NULL;
	struct stat sb;
	ssize_t n;
	int fd, rc = 0;

	ext[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || (n = read_at(fd, h, sizeof h, 0)) < 0) {
		rc = -errno;
		goto out;
	}
	if (n >= 4 && memcmp(h, "PK\3\4", 4) == 0) {
		kind = odf_kind(h, (size_t)n);
		if (!kind)
			kind = ooxml_kind(fd, sb.st_size);
		if (!kind && zip_based(name_ext))
			kind = name_ext; /* damaged: LibreOffice may still read it */
		if (kind && !*kind)
			kind = NULL;
		if (!kind && zip_based(name_ext)) {
			say(err, errlen, "the file is named .%s but is not %s", name_ext,
			    kind_name(name_ext));
			rc = -EINVAL;
			goto out;
		}
	} else if (n >= 8 && memcmp(h, ole2, 8) == 0) {
		kind = ole2_kind(fd, h, (size_t)n);
		if (!kind && office_ext(name_ext) && !zip_based(name_ext))
			kind = name_ext;
	} else if (n >= 5 && memcmp(h, "{\\rtf", 5) == 0) {
		kind = "rtf";
	} else if (n >= 5 && memcmp(h, "%PDF-", 5) == 0) {
		kind = NULL;
	} else if (zip_based(name_ext)) {
		say(err, errlen, "the file is named .%s but is not %s (it may be damaged)",
		    name_ext, kind_name(name_ext));
		rc = -EINVAL;
		goto out;
	} else if (office_ext(name_ext)) {
		/* .doc, .xls, .ppt, .rtf: often HTML or text under that name,
		 * which LibreOffice reads as Word does. */
		kind = name_ext;
	}
	if (kind) {
		snprintf(ext, 16, "%s", kind);
		rc = 1;
	}
out:
	close(fd);
	return rc;
}

/* ---- running soffice ----------------------------------------------------- */

int office_find(char *out, size_t n)
{
	static const char *const names[] = { "soffice", "libreoffice" };
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		for (const char *p = path; *p;) {
			size_t len = strcspn(p, ":");
			char cand[PATH_MAX];
			struct stat sb;

			if (len > 0 && snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p,
						names[i]) < (int)sizeof cand &&
			    stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    access(cand, X_OK) == 0) {
				snprintf(out, n, "%s", cand);
				return 0;
			}
			p += len;
			if (*p == ':')
				p++;
		}
	}
	return -ENOENT;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* file://<absolute path>, percent-encoded (RFC 8089, RFC 3986 §2.1). */
static int profile_url(const char *profile, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char abs[PATH_MAX], cwd[PATH_MAX];
	size_t k;

	if (profile[0] == '/') {
		snprintf(abs, sizeof abs, "%s", profile);
	} else {
		if (!getcwd(cwd, sizeof cwd))
			return -errno;
		if (snprintf(abs, sizeof abs, "%s/%s", cwd, profile) >= (int)sizeof abs)
			return -ENAMETOOLONG;
	}
	k = (size_t)snprintf(out, n, "-env:UserInstallation=file://");
	for (const unsigned char *c = (const unsigned char *)abs; *c; c++) {
		if (k + 4 >= n)
			return -ENAMETOOLONG;
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/-._~", *c)) {
			out[k++] = (char)*c;
		} else {
			out[k++] = '%';
			out[k++] = hex[*c >> 4];
			out[k++] = hex[*c & 15];
		}
	}
	out[k] = 0;
	return 0;
}

/* Removes the files in `dir` (not recursive: soffice writes only files). */
static void empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/* The child between fork and exec: async-signal-safe calls only. */
static void child(char **argv, int devnull, int out, int timeout_ms)
{
	struct rlimit rl;
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(devnull, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	rl.rlim_cur = rl.rlim_max = OFFICE_MEM_LIMIT;
	setrlimit(RLIMIT_AS, &rl);
	rl.rlim_cur = rl.rlim_max = OFFICE_FILE_LIMIT;
	setrlimit(RLIMIT_FSIZE, &rl);
	/* CPU seconds: a backstop for the wall clock, never the first limit. */
	rl.rlim_cur = rl.rlim_max = (rlim_t)(timeout_ms / 1000 + 10);
	setrlimit(RLIMIT_CPU, &rl);
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	execv(argv[0], argv);
	_exit(127);
}

int office_convert(const char *soffice, const char *src, const char *out_pdf,
		   const char *profile, const char *outdir, int timeout_ms, int stop_fd,
		   char *err, size_t errlen)
{
	char url[PATH_MAX * 3 + 64], made[PATH_MAX + 256], srcarg[PATH_MAX + 4];
	char output[OUTPUT_MAX + 1];
	char *argv[11];
	const char *base, *dot;
	size_t out_len = 0;
	long long end;
	int pipefd[2] = { -1, -1 }, devnull = -1, st = 0, rc;
	pid_t pid = -1;
	struct stat sb;

	if (!soffice || !src || !out_pdf || !profile || !outdir) {
		say(err, errlen, OFFICE_NEEDS_LIBREOFFICE);
		return -ENOENT;
	}
	if (timeout_ms <= 0)
		timeout_ms = OFFICE_TIMEOUT_MS;
	rc = profile_url(profile, url, sizeof url);
	if (rc < 0) {
		say(err, errlen, "the conversion's work folder name is too long");
		return -EIO;
	}
	if ((mkdir(profile, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(outdir, 0700) < 0 && errno != EEXIST)) {
		rc = -errno;
		say(err, errlen, "the conversion's work folder cannot be created: %s",
		    strerror(-rc));
		return -EIO;
	}
	empty_dir(outdir);
	/* soffice names its output after the input: <base without ext>.pdf */
	base = strrchr(src, '/');
	base = base ? base + 1 : src;
	dot = strrchr(base, '.');
	snprintf(made, sizeof made, "%s/%.*s.pdf", outdir,
		 (int)(dot && dot != base ? (size_t)(dot - base) : strlen(base)), base);

	argv[0] = (char *)soffice;
	argv[1] = (char *)"--headless";
	argv[2] = (char *)"--norestore";
	argv[3] = (char *)"--nolockcheck";
	argv[4] = url;
	argv[5] = (char *)"--convert-to";
	argv[6] = (char *)"pdf";
	argv[7] = (char *)"--outdir";
	argv[8] = (char *)outdir;
	/* A relative source could start with '-': make it a path. */
	snprintf(srcarg, sizeof srcarg, "%s%s", src[0] == '/' ? "" : "./", src);
	argv[9] = srcarg;
	argv[10] = NULL;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		say(err, errlen, "LibreOffice cannot be started: %s", strerror(errno));
		rc = -EIO;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		say(err, errlen, "LibreOffice cannot be started: %s", strerror(errno));
		rc = -EIO;
		goto out;
	}
	if (pid == 0)
		child(argv, devnull, pipefd[1], timeout_ms);
	/* Also here, so that the kill below reaches the group even if the
	 * child has not run setpgid yet. */
	setpgid(pid, pid);
	close(pipefd[1]);
	pipefd[1] = -1;

	end = now_ms() + timeout_ms;
	rc = 1; /* running */
	while (rc == 1) {
		struct pollfd pfd[2] = {
			{ .fd = pipefd[0], .events = POLLIN },
			{ .fd = stop_fd, .events = POLLIN },
		};
		long long left = end - now_ms();
		pid_t w;

		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(pfd, 2, left < 50 ? (int)left : 50) > 0) {
			if (stop_fd >= 0 && pfd[1].revents) {
				rc = -ECANCELED;
				break;
			}
			if (pfd[0].revents) {
				char buf[512];
				ssize_t k = read(pipefd[0], buf, sizeof buf);
				if (k > 0 && out_len < OUTPUT_MAX) {
					size_t take = (size_t)k < OUTPUT_MAX - out_len
						      ? (size_t)k : OUTPUT_MAX - out_len;
					memcpy(output + out_len, buf, take);
					out_len += take;
				} else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN)) {
					close(pipefd[0]);
					pipefd[0] = -1; /* poll ignores it from now on */
				}
			}
		}
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			rc = 0;
		else if (w < 0 && errno != EINTR)
			rc = -EIO;
	}
	/* Whatever is left of the group (soffice.bin after a timeout). */
	kill(-pid, SIGKILL);
	if (rc != 0 && rc != -EIO)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	output[out_len] = 0;
	if (rc == -ETIMEDOUT) {
		if (timeout_ms % 1000 == 0)
			say(err, errlen, "conversion timed out after %d s", timeout_ms / 1000);
		else
			say(err, errlen, "conversion timed out after %d ms", timeout_ms);
		goto out;
	}
	if (rc == -ECANCELED) {
		say(err, errlen, "the server is stopping");
		goto out;
	}
	if (rc < 0 || WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) >= 126)) {
		if (out_len)
			fprintf(stderr, "office: soffice on %s: %s\n", src, output);
		say(err, errlen, WIFSIGNALED(st) ? "LibreOffice crashed on this file"
						 : "LibreOffice could not be run");
		rc = -EIO;
		goto out;
	}
	if (stat(made, &sb) < 0 || sb.st_size == 0) {
		if (out_len)
			fprintf(stderr, "office: soffice on %s: %s\n", src, output);
		say(err, errlen, "LibreOffice could not read this file (it may be damaged, "
				 "or protected by a password)");
		rc = -EINVAL;
		goto out;
	}
	/* outdir and out_pdf are on one file system: the PDF appears whole. */
	if (rename(made, out_pdf) < 0) {
		rc = -errno;
		say(err, errlen, "the converted file cannot be stored: %s", strerror(-rc));
		rc = -EIO;
		goto out;
	}
	rc = 0;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (devnull >= 0)
		close(devnull);
	if (rc < 0)
		empty_dir(outdir);
	return rc;
}

/* ---- the original beside the PDF ----------------------------------------- */

void office_original_path(const char *data_dir, const char *sha, const char *ext,
			  char *out, size_t n)
{
	snprintf(out, n, "%s/blobs/%s.orig.%s", data_dir, sha, ext);
}

int office_original_find(const char *data_dir, const char *sha, char *out, size_t n,
			 char ext[16])
{
	struct stat sb;

	for (int i = 0; office_exts[i]; i++) {
		office_original_path(data_dir, sha, office_exts[i], out, n);
		if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode)) {
			snprintf(ext, 16, "%s", office_exts[i]);
			return 0;
		}
	}
	out[0] = 0;
	return -ENOENT;
}

int office_original_keep(const char *data_dir, const char *sha, const char *ext,
			 const char *src, int move)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32], dir[PATH_MAX];
	struct stat sb;
	int rc;

	/* On a fresh data directory the first upload may be an Office file:
	 * its original comes before any blob, so blobs/ may not be there. */
	snprintf(dir, sizeof dir, "%s/blobs", data_dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	office_original_path(data_dir, sha, ext, path, sizeof path);
	if (stat(path, &sb) == 0) {
		if (move)
			unlink(src);
		return 0;
	}
	if (move && rename(src, path) == 0)
		return 0;
	snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
	rc = library_copy_file(src, tmp);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	if (move)
		unlink(src);
	return 0;
}
