#ifndef QMAILKIT_CVIEWSPAWN_H
#define QMAILKIT_CVIEWSPAWN_H

#include <sys/types.h>

/// What `qk_view_spawn` needs to start a program that sees `view` mounted
/// over `home` (and `home`/bin read-only inside the view when `bind_bin`).
struct qk_view_request {
    const char *home;
    const char *view;
    /// `home`/bin and `view`/bin, used when `bind_bin` is non-zero.
    const char *home_bin;
    const char *view_bin;
    int bind_bin;
    /// The file that must exist at `home` once the view is mounted.
    const char *marker;
    /// Non-zero: a user namespace too, mapping `outer_uid`/`outer_gid` to 0.
    int user_namespace;
    /// "0 UID 1" and "0 GID 1", prepared by the caller (no formatting after fork).
    const char *uid_map;
    const char *gid_map;
    const char *path;
    char *const *argv;
    char *const *envp;
    /// `count` pairs: descriptor `sources[i]` becomes `targets[i]`. The
    /// sources must be above every target.
    const int *sources;
    const int *targets;
    int count;
};

/// Which step of the child's set-up failed, reported with its errno.
enum qk_view_step {
    qk_view_step_none = 0,
    qk_view_step_fork,
    qk_view_step_unshare,
    qk_view_step_user_map,
    qk_view_step_private_propagation,
    qk_view_step_bind_bin,
    qk_view_step_read_only_bin,
    qk_view_step_bind_view,
    qk_view_step_marker,
    qk_view_step_descriptors,
    qk_view_step_exec,
};

/// Starts a child (sharing our memory until it execs, as vfork) in new mount
/// (and user) namespaces; it binds the view
/// over the home, and execs `path`. Returns the child's pid, or -1 with
/// `*step` and `*error` saying what failed (the child has then been reaped).
pid_t qk_view_spawn(const struct qk_view_request *request, int *step, int *error);

#endif
