/* fuzz-tiny-net.h: the small network whose parameters the checkpoint seeds hold
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ms-layers.h"

/* (transfer none) 2 -> 3 -> 1 with biases: four parameters, 13 floats; built once */
static inline MsNet *
fuzz_tiny_net (void)
{
  static MsNet *net;

  if (net == NULL)
    {
      MsRng rng;

      ms_rng_seed (&rng, 7);
      net = ms_net_new ("tiny", 1, (int[]) { 2 });
      ms_net_linear (net, 3, TRUE);
      ms_net_relu (net);
      ms_net_linear (net, 1, TRUE);
      ms_net_finalize (net, MS_INIT_DCGAN, &rng);
    }
  return net;
}
