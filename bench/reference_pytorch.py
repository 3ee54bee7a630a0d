#!/usr/bin/python3
"""PyTorch reference for `deno task bench --reference pytorch`.

Builds the same nets as lib/models/koch.ts (buildTower, buildSiameseHead) and
lib/models/embedding.ts (buildEmbeddingNet) from the TowerSpec JSON the bench sends, and times
the same steps with the same batch and optimizer (plain SGD, lr 0.01):

- siamese train: both images of each pair through the shared tower in one batch,
  |h1 - h2|, the weighted-L1 head, sigmoid cross-entropy, backward, SGD update;
- triplet train: P x K images through the embedding net, batch-hard margin loss on squared
  L2 distances, backward, SGD update;
- embed: the tower's forward pass in inference mode.

Reads one JSON job list on stdin, writes one JSON object on stdout. Layouts differ from tfjs
(NCHW here, NHWC there) but layers, shapes and parameter counts are the same.
"""
import json
import sys
import time

import torch
from torch import nn


def tower_layers(spec):
    """The convolutional tower of `spec`, as in buildTower (valid convs, 2x2 pools)."""
    layers, channels, side = [], 1, spec["inputSize"]
    bn = spec.get("batchNorm", False)
    for c in spec["convs"]:
        layers.append(nn.Conv2d(channels, c["filters"], c["kernel"], bias=not bn))
        if bn:
            # tfjs momentum 0.9 (weight of the old mean) is torch momentum 0.1; same epsilon.
            layers.append(nn.BatchNorm2d(c["filters"], eps=1e-3, momentum=0.1))
        layers.append(nn.ReLU())
        side = side - c["kernel"] + 1
        if c["pool"]:
            layers.append(nn.MaxPool2d(2, 2))
            side //= 2
        channels = c["filters"]
    layers += [nn.Flatten(), nn.Linear(side * side * channels, spec["dense"])]
    activation = {"sigmoid": nn.Sigmoid(), "relu": nn.ReLU()}.get(spec["denseActivation"])
    if activation is not None:
        layers.append(activation)
    return layers


class L2Normalize(nn.Module):
    def forward(self, x):
        return x * torch.rsqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=1e-12))


def build(job):
    """(tower or embedding net, head or None) for one bench job."""
    spec = job["spec"]
    if job["kind"] == "triplet":
        layers = tower_layers(spec)
        if job.get("embeddingBatchNorm"):
            layers.append(nn.BatchNorm1d(spec["dense"], eps=1e-3, momentum=0.1))
        return nn.Sequential(*layers, L2Normalize()), None
    return nn.Sequential(*tower_layers(spec)), nn.Linear(spec["dense"], 1)


def params(module):
    return 0 if module is None else sum(p.numel() for p in module.parameters() if p.requires_grad)


def batch_hard_loss(f, labels, margin):
    """Mean over anchors of [max d(a,p) - min d(a,n) + margin]_+ on squared L2 distances."""
    sq = (f * f).sum(1)
    d = torch.clamp(sq[:, None] - 2 * f @ f.t() + sq[None, :], min=0)
    same = (labels[:, None] == labels[None, :]).float()
    hardest_pos = (d * same).max(1).values
    hardest_neg = (d + 1e9 * same).min(1).values
    return torch.relu(hardest_pos - hardest_neg + margin).mean()


def time_steps(step, steps, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def run(job, steps, warmup):
    torch.manual_seed(1)
    net, head = build(job)
    s = job["spec"]["inputSize"]
    out = {"name": job["name"], "params": {"tower": params(net), "head": params(head)}}
    if steps == 0:
        return out
    batch = job["trainBatch"]
    if job["kind"] == "triplet":
        images = torch.rand(batch, 1, s, s)
        labels = torch.arange(batch) // job["drawingsPerClass"]

        def loss_fn():
            return batch_hard_loss(net(images), labels, job["margin"])
    else:
        images = torch.rand(2 * batch, 1, s, s)
        labels = (torch.arange(batch) % 2).float()[:, None]

        def loss_fn():
            h1, h2 = net(images).chunk(2)
            logits = head(torch.abs(h1 - h2))
            return nn.functional.binary_cross_entropy_with_logits(logits, labels)

    trainable = list(net.parameters()) + ([] if head is None else list(head.parameters()))
    optimizer = torch.optim.SGD(trainable, lr=0.01)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        value = loss.item()
        if value != value:
            raise RuntimeError(f"{job['name']}: training loss is NaN")

    net.train()
    out["train_ms"] = time_steps(train_step, steps, warmup)
    embed_images = torch.rand(job["embedBatch"], 1, s, s)
    net.eval()

    def embed_step():
        with torch.no_grad():
            net(embed_images).numpy()

    out["embed_ms"] = time_steps(embed_step, steps, warmup)
    return out


def main():
    request = json.load(sys.stdin)
    torch.set_num_threads(request["threads"])
    results = [run(job, request["steps"], request["warmup"]) for job in request["jobs"]]
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
               "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
