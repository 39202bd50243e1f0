// Tests that reach tfjs' cpu backend directly (gradient checks against it, tensors made before a
// backend is chosen) would print its "install our node backend" banner; keep the test log clean.
import { quietCpuBackend } from '../../core/backends/resolve.js';

quietCpuBackend();
