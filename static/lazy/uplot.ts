/**
 * Lazy chunk: uPlot, loaded only by chart views.
 *
 * @module
 */
import uPlot from "uplot";

/** The uPlot constructor. */
export { uPlot };
