#!/usr/bin/python3
# bench-torch.py: the PyTorch side of `modescope-cli bench`.
#
# Copyright 2026 The ModeScope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs exactly the training step that ModeScope's engine runs (src/gan/ms-gan.c), so that the
# two can be timed side by side on the same machine:
#   - dcgan: one D step (D on real and on the detached fake batch, BCE with logits), then one
#     G step (non-saturating loss) through D with its weights frozen; Adam lr 1e-3.
#   - wgan-gp: one critic step: fake under no_grad, critic on real and fake, gradient penalty
#     lambda 10 at random interpolates (create_graph), Adam 1e-4 betas (0.5, 0.9).
#   - mlp: the dcgan step with the 2-D MLP networks.
# Prints one line: it_per_s=<float> threads=<int>.
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def dcgan_paper(z_dim=100):
    g = nn.Sequential(
        nn.Linear(z_dim, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(0.2),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(128, 64, 5, 2, 2, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, 1, 5, 2, 2, 1, bias=False), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(6272, 1))
    return g, d, (1, 28, 28)


def mlp_2d(z_dim=256):
    g = nn.Sequential(nn.Linear(z_dim, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                      nn.Linear(128, 2))
    d = nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                      nn.Linear(128, 1))
    return g, d, (2,)


def make_step(case, batch):
    if case == "mlp":
        g, d, shape = mlp_2d()
        z_dim = 256
    else:
        g, d, shape = dcgan_paper()
        z_dim = 100
    if case == "wgan-gp":
        opt_d = torch.optim.Adam(d.parameters(), lr=1e-4, betas=(0.5, 0.9))
    else:
        opt_d = torch.optim.Adam(d.parameters(), lr=1e-3)
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-3)
    real = torch.rand((batch,) + shape) * 2 - 1

    def dcgan_step():
        z = torch.randn(batch, z_dim)
        fake = g(z)
        opt_d.zero_grad()
        out_real = d(real)
        out_fake = d(fake.detach())
        loss_d = (F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real)) +
                  F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake)))
        loss_d.backward()
        opt_d.step()
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        out = d(fake)
        loss_g = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        loss_g.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)

    def critic_step():
        z = torch.randn(batch, z_dim)
        with torch.no_grad():
            fake = g(z)
        opt_d.zero_grad()
        eps = torch.rand(batch, *([1] * len(shape)))
        xhat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(d(xhat).sum(), xhat, create_graph=True)
        gp = 10.0 * ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
        loss = d(fake).mean() - d(real).mean() + gp
        loss.backward()
        opt_d.step()

    return critic_step if case == "wgan-gp" else dcgan_step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", choices=["dcgan", "wgan-gp", "mlp"], required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step = make_step(args.case, args.batch)
    for _ in range(args.warmup):
        step()
    n, start = 0, time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds and n >= 3:
            break
    print(f"it_per_s={n / elapsed:.4f} threads={args.threads}")


if __name__ == "__main__":
    main()
