package org.layerskip.io;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

public class IoErrorsTest {

    @Test
    public void describesTheFileAndTheReason() {
        Assert.assertEquals(
                IoErrors.describe(new AccessDeniedException("/ck/.tmp-x")),
                "/ck/.tmp-x: permission denied");
        Assert.assertEquals(
                IoErrors.describe(new NoSuchFileException("/a")), "/a: no such file or directory");
        Assert.assertEquals(
                IoErrors.describe(new FileSystemException("/a/b", null, "Not a directory")),
                "/a/b: Not a directory");
        Assert.assertEquals(
                IoErrors.describe(new IOException("No space left on device")),
                "No space left on device");
        Assert.assertEquals(IoErrors.describe(new IOException()), "IOException");
    }

    @Test
    public void findsTheInnermostNamedFailureAndOmitsTheContextPath() {
        IOException named =
                IoErrors.namingFile(
                        Path.of("/m/model.safetensors"), new IOException("File too large"));
        IOException wrapped = new IOException("cannot save model to /m: ...", named);
        Assert.assertEquals(IoErrors.describe(wrapped), "/m/model.safetensors: File too large");
        Assert.assertEquals(
                IoErrors.describe(named, Path.of("/m/model.safetensors")), "File too large");
        Assert.assertEquals(IoErrors.describe(new IOException("a\nb")), "a b"); // always one line
        // a failure that already names a file is kept as it is
        AccessDeniedException denied = new AccessDeniedException("/x");
        Assert.assertSame(IoErrors.namingFile(Path.of("/y"), denied), denied);
    }
}
