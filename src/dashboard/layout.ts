/** Where the panes go: the process list on top, the start-up waterfall (when shown), the log below, a status line. */
export interface Pane {
  hidden: boolean
  top: number
  height: number
}

export interface Layout {
  list: Pane
  flow: Pane
  log: Pane
}

/** The panes for a terminal `height` rows high with `units` processes; a zoomed pane takes all but the status line. */
export function layout(height: number, units: number, flowWanted: boolean, zoom: 'list' | 'log' | undefined): Layout {
  const avail = height - 1
  if (zoom) {
    const full = {hidden: false, top: 0, height: avail}
    const hidden = {hidden: true, top: 0, height: 1}
    return {list: zoom === 'list' ? full : hidden, flow: hidden, log: zoom === 'log' ? full : hidden}
  }
  const listHeight = Math.min(units + 4, Math.max(5, Math.floor(height * 0.45)))
  const flow = flowWanted && units > 0
  const flowHeight = flow ? Math.min(units + 2, Math.max(3, Math.floor(height * 0.25))) : 0
  return {
    list: {hidden: false, top: 0, height: listHeight},
    flow: {hidden: !flow, top: listHeight, height: Math.max(1, flowHeight)},
    log: {hidden: false, top: listHeight + flowHeight, height: Math.max(3, avail - listHeight - flowHeight)},
  }
}
