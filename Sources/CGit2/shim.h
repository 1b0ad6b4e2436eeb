// The libgit2 API for Swift: the public headers plus the in-memory object
// database backend (mempack) and the backend type it returns, which live
// under git2/sys.
#ifndef QMAILKIT_CGIT2_SHIM_H
#define QMAILKIT_CGIT2_SHIM_H

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#endif
