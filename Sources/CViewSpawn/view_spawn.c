#define _GNU_SOURCE
#include "CViewSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child shares the parent's memory until it execs (CLONE_VM with
   CLONE_VFORK, as posix_spawn does): no page tables are copied, which for
   a large parent cost more than the program itself. It may therefore only
   make plain system calls, on its own stack, and it reports a failed step
   by writing it into the request's result fields before it exits. */

struct child_arguments {
    const struct qk_view_request *request;
    int step;
    int error;
};

static int fail(struct child_arguments *arguments, int step) {
    arguments->step = step;
    arguments->error = errno;
    _exit(127);
}

static int write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int saved = errno;
    close(fd);
    errno = saved;
    return written == (ssize_t)length ? 0 : -1;
}

/* A read-only remount must repeat the flags the kernel locked on the
   original mount (nosuid, nodev, ...) or a user namespace refuses it. */
static unsigned long locked_flags(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return 0;
    unsigned long flags = 0;
    if (info.f_flags & ST_NOSUID) flags |= MS_NOSUID;
    if (info.f_flags & ST_NODEV) flags |= MS_NODEV;
    if (info.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
    if (info.f_flags & ST_NOATIME) flags |= MS_NOATIME;
    if (info.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (info.f_flags & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

static int child(void *opaque) {
    struct child_arguments *arguments = opaque;
    const struct qk_view_request *request = arguments->request;
    if (request->user_namespace) {
        if (write_text("/proc/self/setgroups", "deny") != 0
            || write_text("/proc/self/uid_map", request->uid_map) != 0
            || write_text("/proc/self/gid_map", request->gid_map) != 0)
            return fail(arguments, qk_view_step_user_map);
    }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail(arguments, qk_view_step_private_propagation);
    if (request->bind_bin) {
        if (mount(request->home_bin, request->view_bin, NULL, MS_BIND, NULL) != 0) return fail(arguments, qk_view_step_bind_bin);
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(request->view_bin);
        if (mount(NULL, request->view_bin, NULL, flags, NULL) != 0) return fail(arguments, qk_view_step_read_only_bin);
    }
    if (mount(request->view, request->home, NULL, MS_BIND | MS_REC, NULL) != 0) return fail(arguments, qk_view_step_bind_view);
    if (access(request->marker, F_OK) != 0) return fail(arguments, qk_view_step_marker);

    int highest = 2;
    for (int i = 0; i < request->count; i++) {
        if (dup2(request->sources[i], request->targets[i]) < 0) return fail(arguments, qk_view_step_descriptors);
        if (request->targets[i] > highest) highest = request->targets[i];
    }
    if (syscall(SYS_close_range, highest + 1, ~0U, 0) != 0) {
        for (int fd = highest + 1; fd < 1024; fd++) close(fd);
    }

    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &fallback, NULL);
    sigaction(SIGCHLD, &fallback, NULL);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(request->path, request->argv, request->envp);
    return fail(arguments, qk_view_step_exec);
}

pid_t qk_view_spawn(const struct qk_view_request *request, int *step, int *error) {
    enum { stack_size = 256 * 1024 };
    *step = qk_view_step_none;
    *error = 0;
    char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        *step = qk_view_step_fork;
        *error = errno;
        return -1;
    }
    struct child_arguments arguments = { request, qk_view_step_none, 0 };
    int namespaces = CLONE_NEWNS | (request->user_namespace ? CLONE_NEWUSER : 0);
    /* No handler of ours may run in the child before exec. */
    sigset_t all, original;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &original);
    pid_t pid = clone(child, stack + stack_size, CLONE_VM | CLONE_VFORK | namespaces | SIGCHLD, &arguments);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &original, NULL);
    munmap(stack, stack_size);
    if (pid < 0) {
        *step = qk_view_step_unshare;
        *error = clone_error;
        return -1;
    }
    /* CLONE_VFORK: the child has exec'd or exited by now. */
    if (arguments.step != qk_view_step_none) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *step = arguments.step;
        *error = arguments.error;
        return -1;
    }
    return pid;
}
