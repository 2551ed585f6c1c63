# The LeNet training step of bench/lenet_step.mjs in PyTorch: the same network (normalise, conv 5x5
# 1->16, max-pool 2, ReLU, conv 5x5 16->32, max-pool 2, ReLU, 512 -> 128 -> ReLU -> 10), batch 64,
# SGD lr 0.01, cross-entropy, on the CPU with 2 threads. Prints one JSON line: the seconds of each
# timed block of STEPS steps. Run by bench/lenet_step.mjs when Debian's python3-torch is installed
# (with libopenblas0-pthread; OPENBLAS_CORETYPE=SkylakeX on AVX-512 machines).
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

steps, blocks, threads = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(threads)
torch.manual_seed(0)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)
        self.conv2 = nn.Conv2d(16, 32, 5)
        self.fc1 = nn.Linear(512, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = (x - 0.1307) / 0.3081
        a = F.relu(F.max_pool2d(self.conv1(x), 2))
        b = F.relu(F.max_pool2d(self.conv2(a), 2))
        return self.fc2(F.relu(self.fc1(b.flatten(1))))


model = LeNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
images = torch.rand(64, 1, 28, 28)
labels = torch.arange(64) % 10


def step():
    loss = F.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


for _ in range(steps):
    step()  # warm-up
times = []
for _ in range(blocks):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    times.append(time.perf_counter() - start)
print(json.dumps({"torch": torch.__version__, "threads": threads, "blocks": times}))
