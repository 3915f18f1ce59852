package org.layerskip.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.util.concurrent.Callable;

/**
 * Silences file descriptor 2 around a call, to drop LibTorch's one-time C++ warning
 * "AutoNonVariableTypeMode is deprecated" (printed by DJL's JNI layer the first time the model is
 * loaded, outside any Java logger). Uses JNA (a dependency of DJL's api) on Linux and macOS;
 * elsewhere, or if anything fails, the call simply runs unsilenced.
 */
final class NativeStderr {

    private NativeStderr() {}

    /** The few libc calls needed. */
    interface LibC extends Library {
        int dup(int fd);

        int dup2(int from, int to);

        int open(String path, int flags);

        int close(int fd);
    }

    static <T> T silenced(Callable<T> call) throws Exception {
        LibC libc = null;
        int saved = -1;
        int devNull = -1;
        if (Platform.isLinux() || Platform.isMac()) {
            try {
                libc = Native.load("c", LibC.class);
                System.err.flush();
                devNull = libc.open("/dev/null", 1); // O_WRONLY
                saved = devNull < 0 ? -1 : libc.dup(2);
                if (saved < 0 || libc.dup2(devNull, 2) < 0) {
                    saved = restore(libc, saved, devNull);
                }
            } catch (LinkageError | RuntimeException e) {
                libc = null;
            }
        }
        try {
            return call.call();
        } finally {
            if (libc != null && saved >= 0) {
                System.err.flush();
                libc.dup2(saved, 2);
                restore(libc, saved, devNull);
            } else if (libc != null && devNull >= 0) {
                libc.close(devNull);
            }
        }
    }

    private static int restore(LibC libc, int saved, int devNull) {
        if (saved >= 0) {
            libc.close(saved);
        }
        if (devNull >= 0) {
            libc.close(devNull);
        }
        return -1;
    }
}
