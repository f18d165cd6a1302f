#include <archive.h>
#include <archive_entry.h>

// libarchive's AE_IF* file types are cast expressions, which Swift does not import; re-export them as
// constants. They equal the POSIX S_IF* values, so they also classify stat() results.
static const __LA_MODE_T CArchive_AE_IFMT = AE_IFMT;
static const __LA_MODE_T CArchive_AE_IFREG = AE_IFREG;
static const __LA_MODE_T CArchive_AE_IFLNK = AE_IFLNK;
static const __LA_MODE_T CArchive_AE_IFSOCK = AE_IFSOCK;
static const __LA_MODE_T CArchive_AE_IFCHR = AE_IFCHR;
static const __LA_MODE_T CArchive_AE_IFBLK = AE_IFBLK;
static const __LA_MODE_T CArchive_AE_IFDIR = AE_IFDIR;
static const __LA_MODE_T CArchive_AE_IFIFO = AE_IFIFO;

#ifdef __linux__
// Lets extraction give its thread a private working directory (see Archive.extract). glibc declares unshare()
// only under _GNU_SOURCE, which the Swift Glibc module is built without; CLONE_FS is part of the kernel ABI.
int unshare(int flags);
static const int CArchive_CLONE_FS = 0x00000200;
#endif
