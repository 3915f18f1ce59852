package org.layerskip.examples;

import org.layerskip.train.LayerMetrics;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

public class LayerCurvePlotTest {

    @Test
    public void writesTwoChartsSideBySide() throws Exception {
        int[] layers = {1, 2, 3, 4};
        LayerMetrics a =
                new LayerMetrics(
                        layers,
                        new double[] {900, 300, 40, 20},
                        new double[] {.05, .1, .3, .4},
                        100);
        LayerMetrics b =
                new LayerMetrics(
                        layers,
                        new double[] {60, 40, 30, 21},
                        new double[] {.2, .3, .35, .39},
                        100);
        Path png = Files.createTempDirectory("plot").resolve("curves.png");
        LayerCurvePlot.save(png, "baseline", a, "layerskip", b);
        BufferedImage img = ImageIO.read(png.toFile());
        Assert.assertEquals(img.getWidth(), 1280);
        Assert.assertEquals(img.getHeight(), 440);
    }

    @Test
    public void formatsEta() {
        Assert.assertEquals(ProgressBarListener.formatSeconds(3725), "1:02:05");
    }
}
