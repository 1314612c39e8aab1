// Shared by the engine, which cuts tensors into tiles, and the webview, which lays the tiles out
// before any reply arrives.

/** How a tensor splits into 2-D tiles: [N, C, H, W] gives C maps of batch 0; [N, F] one N x F map. */
export interface Geometry {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export function geometry(shape: readonly number[]): Geometry {
  switch (shape.length) {
    case 4:
      return { channels: shape[1], height: shape[2], width: shape[3] };
    case 3:
      return { channels: shape[1], height: 1, width: shape[2] };
    case 2:
      return { channels: 1, height: shape[0], width: shape[1] };
    default: {
      const size = shape.reduce((a, b) => a * b, 1);
      return { channels: 1, height: 1, width: size };
    }
  }
}
