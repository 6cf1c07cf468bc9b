"""Compact 2D encoder-decoders (small U-Nets) for sagittal lumbar slices.

StridedLumbarNet is the network of model 2.x, and LumbarNet that of model 1.x. In both, the
encoder works at 1/2 to 1/16 of the input resolution, and its deepest convolutions are dilated
for context, because telling the sacrum from a lumbar body needs a view of the whole lower spine.
LumbarNet adds a light full-resolution head that refines the upsampled features with the input
image. Plain 3x3 convolutions are used throughout: with the CPU builds of torch and onnxruntime
used here they run faster than depthwise-separable ones of the same width. Softmax is part of
the graph.
"""
import torch
from torch import nn
from torch.nn import functional as F


def channel_softmax(logits):
    """Softmax over the channel axis, written out so that the ONNX graph uses elementwise ops.

    The CPU Softmax of onnxruntime-node 1.31 over a non-last axis is slow: in LumbarNet it took
    about 37 % of the inference time (per-node profile, 20 slices, one thread). The
    ReduceMax, Sub, Exp, ReduceSum and Div nodes of this form took about 35 ms there.
    """
    shifted = torch.exp(logits - logits.amax(1, keepdim=True))
    return shifted / shifted.sum(1, keepdim=True)


class ConvNormReLU(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, dilation=1):
        padding = dilation * (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class UpBlock(nn.Module):
    """Upsamples to the skip's size, concatenates the skip features and mixes them."""

    def __init__(self, in_channels, skip_channels, out_channels):
        super().__init__()
        self.mix = ConvNormReLU(in_channels + skip_channels, out_channels, 1)
        self.conv = ConvNormReLU(out_channels, out_channels, 3)

    def forward(self, x, skip):
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.conv(self.mix(torch.cat([x, skip], dim=1)))


class LumbarNet(nn.Module):
    def __init__(self, classes=5, widths=(8, 16, 32, 64), head=(4, 6), in_channels=1):
        super().__init__()
        w1, w2, w3, w4 = widths
        reduced, refined = head
        self.in_channels = in_channels
        self.encoder1 = nn.Sequential(ConvNormReLU(in_channels, w1, stride=2), ConvNormReLU(w1, w1))
        self.encoder2 = nn.Sequential(ConvNormReLU(w1, w2, stride=2), ConvNormReLU(w2, w2))
        self.encoder3 = nn.Sequential(ConvNormReLU(w2, w3, stride=2), ConvNormReLU(w3, w3))
        self.encoder4 = nn.Sequential(
            ConvNormReLU(w3, w4, stride=2),
            ConvNormReLU(w4, w4, dilation=2),
            ConvNormReLU(w4, w4, dilation=4),
        )
        self.decoder3 = UpBlock(w4, w3, w3)
        self.decoder2 = UpBlock(w3, w2, w2)
        self.decoder1 = UpBlock(w2, w1, w1)
        # The full-resolution head is kept narrow: at 224 x 224 each 3x3 channel pair costs 0.9 MFLOP.
        self.reduce = ConvNormReLU(w1, reduced, 1)
        self.refine = ConvNormReLU(reduced + in_channels, refined, 3)
        self.classifier = nn.Conv2d(refined, classes, 1)

    def logits(self, image):
        skip1 = self.encoder1(image)
        skip2 = self.encoder2(skip1)
        skip3 = self.encoder3(skip2)
        x = self.encoder4(skip3)
        x = self.decoder3(x, skip3)
        x = self.decoder2(x, skip2)
        x = self.decoder1(x, skip1)
        x = F.interpolate(self.reduce(x), size=image.shape[-2:], mode="bilinear", align_corners=False)
        return self.classifier(self.refine(torch.cat([x, image], dim=1)))

    def forward(self, image):
        return channel_softmax(self.logits(image))


class WideLumbarNet(LumbarNet):
    """LumbarNet at 1.5 times the width, with a wider full-resolution head (model 1.2 candidate)."""

    def __init__(self, classes=5, in_channels=1):
        super().__init__(classes, widths=(12, 24, 48, 96), head=(6, 8), in_channels=in_channels)


class SumUpBlock(nn.Module):
    """Upsamples, adds the skip features and mixes them, projecting to the output width first.

    A 1x1 convolution of concatenated [upsampled x, skip] equals the sum of a 1x1 convolution of
    each, and bilinear upsampling commutes with a 1x1 convolution. Projecting before upsampling
    resizes fewer channels and needs no concatenation.
    """

    def __init__(self, in_channels, skip_channels, out_channels, refine=True):
        super().__init__()
        self.project = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.skip = nn.Conv2d(skip_channels, out_channels, 1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.refine = ConvNormReLU(out_channels, out_channels, 3) if refine else nn.Identity()

    def forward(self, x, skip):
        x = F.interpolate(self.project(x), size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.refine(F.relu(self.norm(x + self.skip(skip))))


class StridedLumbarNet(nn.Module):
    """U-Net with a strided stem: no convolution runs at the input resolution.

    The stem works at 1/2 resolution, the encoder at 1/4 to 1/16 with dilated convolutions at the
    deepest level for context, and the decoder returns to 1/2. The class probabilities are
    computed there (2.5 mm pixels on the 1.25 mm model grid) and upsampled bilinearly to the
    input size. A bilinear mix of probability vectors is still a probability vector, and the
    softmax on a quarter of the pixels is four times cheaper.
    """

    def __init__(self, classes=5, widths=(8, 16, 32, 64), in_channels=1):
        super().__init__()
        w1, w2, w3, w4 = widths
        self.in_channels = in_channels
        self.stem = ConvNormReLU(in_channels, w1, stride=2)
        self.encoder2 = nn.Sequential(ConvNormReLU(w1, w2, stride=2), ConvNormReLU(w2, w2))
        self.encoder3 = nn.Sequential(ConvNormReLU(w2, w3, stride=2), ConvNormReLU(w3, w3))
        self.encoder4 = nn.Sequential(
            ConvNormReLU(w3, w4, stride=2),
            ConvNormReLU(w4, w4, dilation=2),
            ConvNormReLU(w4, w4, dilation=4),
            ConvNormReLU(w4, w4, dilation=2),
        )
        self.decoder3 = SumUpBlock(w4, w3, w3)
        self.decoder2 = SumUpBlock(w3, w2, w2)
        self.decoder1 = SumUpBlock(w2, w1, w1)
        self.classifier = nn.Conv2d(w1, classes, 1)

    def forward(self, image):
        skip1 = self.stem(image)
        skip2 = self.encoder2(skip1)
        skip3 = self.encoder3(skip2)
        x = self.encoder4(skip3)
        x = self.decoder3(x, skip3)
        x = self.decoder2(x, skip2)
        x = self.decoder1(x, skip1)
        probabilities = channel_softmax(self.classifier(x))
        return F.interpolate(probabilities, size=image.shape[-2:], mode="bilinear", align_corners=False)
