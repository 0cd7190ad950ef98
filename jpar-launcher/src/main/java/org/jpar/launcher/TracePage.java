package org.jpar.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.jpar.internal.diag.Json;

/**
 * The timeline as one self-contained HTML page (no script, style or font from the network): a track per rank and
 * thread, a box per operation (colour by kind), an arrow from each send to its receive; the wheel zooms, dragging
 * pans, hovering a box shows what it was. The summary of {@code jpar trace} heads the page.
 */
final class TracePage {
    private TracePage() {
    }

    static String html(TraceFiles.Trace t, String title) {
        double start = t.events().stream().mapToDouble(TraceFiles.Event::ts).min().orElse(0);
        // tracks: rank, then thread, in order
        Map<Long, Integer> track = new LinkedHashMap<>();
        Map<Long, String> label = new TreeMap<>();
        for (TraceFiles.Event e : t.events()) {
            long k = ((long) e.rank() << 32) | (e.tid() & 0xFFFFFFFFL);
            label.putIfAbsent(k, "rank " + e.rank() + " \u00b7 " + t.threads().getOrDefault(e.tid(), "thread " + e.tid()));
        }
        List<String> labels = new ArrayList<>();
        for (Map.Entry<Long, String> l : label.entrySet()) {
            track.put(l.getKey(), labels.size());
            labels.add(l.getValue());
        }
        StringBuilder ev = new StringBuilder("[");
        Map<Long, double[]> flowEnds = new TreeMap<>();
        for (TraceFiles.Event e : t.events()) {
            int tr = track.get(((long) e.rank() << 32) | (e.tid() & 0xFFFFFFFFL));
            if (ev.length() > 1) {
                ev.append(',');
            }
            ev.append('[').append(tr).append(',').append(Json.str(e.name())).append(',')
                    .append(num(e.ts() - start)).append(',').append(num(e.dur())).append(',').append(e.peer())
                    .append(',').append(e.tag()).append(',').append(e.bytes()).append(',').append(e.comm()).append(']');
            if (e.flow() != 0) {
                double[] f = flowEnds.computeIfAbsent(e.flow(), k -> new double[4]);
                if (e.sendSide()) {
                    f[0] = tr;
                    f[1] = e.ts() - start;
                } else {
                    f[2] = tr;
                    f[3] = e.end() - start;
                }
            }
        }
        ev.append(']');
        StringBuilder flows = new StringBuilder("[");
        for (double[] f : flowEnds.values()) {
            if (flows.length() > 1) {
                flows.append(',');
            }
            flows.append('[').append((int) f[0]).append(',').append(num(f[1])).append(',').append((int) f[2])
                    .append(',').append(num(f[3])).append(']');
        }
        flows.append(']');
        StringBuilder lab = new StringBuilder("[");
        for (String l : labels) {
            lab.append(lab.length() > 1 ? "," : "").append(Json.str(l));
        }
        lab.append(']');
        String summary = String.join("\n", TraceCommand.summary(t, 3));
        return PAGE.replace("%TITLE%", escape(title)).replace("%SUMMARY%", escape(summary))
                .replace("%DATA%", "{\"tracks\":" + lab + ",\"events\":" + ev + ",\"flows\":" + flows + "}");
    }

    private static String num(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static final String PAGE = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>jpar timeline: %TITLE%</title>
            <style>
            body{font:13px system-ui,sans-serif;margin:0;color:#222;background:#fff}
            header{padding:8px 12px;border-bottom:1px solid #ddd}
            h1{font-size:15px;margin:0 0 6px}
            pre{margin:0;font:12px ui-monospace,monospace;white-space:pre;overflow-x:auto}
            #legend span{display:inline-block;margin-right:14px}
            #legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
            #wrap{position:relative}
            canvas{display:block;cursor:grab}
            #tip{position:absolute;pointer-events:none;background:#fffbe6;border:1px solid #bba;padding:4px 6px;
                 font:12px ui-monospace,monospace;display:none;white-space:pre}
            </style></head><body>
            <header><h1>jpar timeline: %TITLE%</h1><pre id="summary">%SUMMARY%</pre>
            <div id="legend"></div><div>wheel: zoom &middot; drag: pan &middot; hover: details &middot; double-click: whole job</div></header>
            <div id="wrap"><canvas id="c"></canvas><div id="tip"></div></div>
            <script>
            const D = %DATA%;
            const COLORS = {send:'#2f6fd6', isend:'#7aa7ee', receive:'#d9534f', wait:'#f0ad4e', ireceive:'#f5c6c5',
              probe:'#b58', task:'#4caf50', collective:'#8e5bd0'};
            function color(n){ n = n.replace(' (unfinished)', ''); return COLORS[n] || (n.startsWith('task') ? COLORS.task : COLORS.collective); }
            const legend = document.getElementById('legend');
            for (const [k, v] of Object.entries(COLORS)) {
              legend.insertAdjacentHTML('beforeend', '<span><i style="background:' + v + '"></i>' + k + '</span>');
            }
            legend.insertAdjacentHTML('beforeend', '<span><i style="background:#333;height:2px;vertical-align:3px"></i>message (send to receive)</span>');
            const cv = document.getElementById('c'), ctx = cv.getContext('2d'), tip = document.getElementById('tip');
            const LEFT = 230, ROW = 26, TOP = 24;
            let end = 0; for (const e of D.events) end = Math.max(end, e[2] + e[3]);
            if (end <= 0) end = 1;
            let t0 = 0, t1 = end * 1.02;
            function size(){ cv.width = window.innerWidth; cv.height = TOP + ROW * D.tracks.length + 10; draw(); }
            function x(t){ return LEFT + (t - t0) / (t1 - t0) * (cv.width - LEFT - 10); }
            function fmt(us){ return us >= 1e6 ? (us/1e6).toFixed(3) + ' s' : us >= 1e3 ? (us/1e3).toFixed(3) + ' ms' : us.toFixed(1) + ' us'; }
            function draw(){
              ctx.clearRect(0, 0, cv.width, cv.height);
              ctx.font = '12px system-ui,sans-serif';
              const w = cv.width - LEFT - 10;
              let step = Math.pow(10, Math.floor(Math.log10((t1 - t0) / 6)));
              if ((t1 - t0) / step > 12) step *= 2;
              if ((t1 - t0) / step > 12) step *= 2.5;
              const unit = step >= 1e6 ? [1e6, ' s'] : step >= 1e3 ? [1e3, ' ms'] : [1, ' us'];
              const digits = Math.max(0, -Math.floor(Math.log10(step / unit[0]) + 1e-9));
              ctx.strokeStyle = '#eee'; ctx.fillStyle = '#777';
              for (let t = Math.ceil(t0 / step) * step; t < t1; t += step) {
                const px = x(t); ctx.beginPath(); ctx.moveTo(px, TOP - 6); ctx.lineTo(px, cv.height); ctx.stroke();
                ctx.fillText((t / unit[0]).toFixed(digits) + unit[1], px + 2, 12);
              }
              D.tracks.forEach((name, i) => {
                ctx.fillStyle = i % 2 ? '#fafafa' : '#f3f5f8'; ctx.fillRect(0, TOP + i * ROW, cv.width, ROW);
                ctx.fillStyle = '#222'; ctx.fillText(name, 6, TOP + i * ROW + 17);
              });
              ctx.save(); ctx.beginPath(); ctx.rect(LEFT, 0, w, cv.height); ctx.clip();
              for (const e of D.events) {
                const a = x(e[2]), b = x(e[2] + e[3]);
                if (b < LEFT || a > cv.width) continue;
                ctx.fillStyle = color(e[1]);
                ctx.fillRect(a, TOP + e[0] * ROW + 4, Math.max(1.5, b - a), ROW - 8);
                if (b - a > 40) { ctx.fillStyle = '#fff'; ctx.fillText(e[1], a + 3, TOP + e[0] * ROW + 17); }
              }
              ctx.strokeStyle = '#333'; ctx.fillStyle = '#333'; ctx.lineWidth = 1.2;
              for (const f of D.flows) {
                const ax = x(f[1]), ay = TOP + f[0] * ROW + ROW / 2, bx = x(f[3]), by = TOP + f[2] * ROW + ROW / 2;
                ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
                const ang = Math.atan2(by - ay, bx - ax);
                ctx.beginPath(); ctx.moveTo(bx, by);
                ctx.lineTo(bx - 8 * Math.cos(ang - 0.4), by - 8 * Math.sin(ang - 0.4));
                ctx.lineTo(bx - 8 * Math.cos(ang + 0.4), by - 8 * Math.sin(ang + 0.4)); ctx.fill();
              }
              ctx.restore();
            }
            cv.addEventListener('wheel', ev => {
              ev.preventDefault();
              const t = t0 + (ev.offsetX - LEFT) / (cv.width - LEFT - 10) * (t1 - t0);
              const k = ev.deltaY > 0 ? 1.25 : 0.8;
              t0 = t - (t - t0) * k; t1 = t + (t1 - t) * k; draw();
            }, {passive: false});
            let drag = null;
            cv.addEventListener('mousedown', ev => { drag = {x: ev.clientX, t0, t1}; });
            window.addEventListener('mouseup', () => { drag = null; });
            cv.addEventListener('dblclick', () => { t0 = 0; t1 = end * 1.02; draw(); });
            cv.addEventListener('mousemove', ev => {
              if (drag) {
                const dt = (ev.clientX - drag.x) / (cv.width - LEFT - 10) * (drag.t1 - drag.t0);
                t0 = drag.t0 - dt; t1 = drag.t1 - dt; draw(); return;
              }
              const row = Math.floor((ev.offsetY - TOP) / ROW);
              const t = t0 + (ev.offsetX - LEFT) / (cv.width - LEFT - 10) * (t1 - t0);
              const slack = 3 / (cv.width - LEFT - 10) * (t1 - t0);
              const hit = D.events.find(e => e[0] === row && t >= e[2] - slack && t <= e[2] + e[3] + slack);
              if (!hit) { tip.style.display = 'none'; return; }
              const peer = hit[4] < 0 ? '' : (hit[1].includes('send') ? 'dest ' : hit[1].includes('rec') || hit[1] === 'wait' || hit[1] === 'probe' ? 'source ' : 'root ') + hit[4] + '  ';
              tip.textContent = hit[1] + '  ' + peer + (hit[5] >= 0 && peer ? 'tag ' + hit[5] + '  ' : '')
                + (hit[6] >= 0 ? hit[6] + ' bytes  ' : '') + (hit[7] ? 'communicator ' + hit[7] + '  ' : '')
                + '\\nat +' + fmt(hit[2]) + ' for ' + fmt(hit[3]);
              tip.style.left = (ev.offsetX + 12) + 'px'; tip.style.top = (ev.offsetY + 12) + 'px'; tip.style.display = 'block';
            });
            window.addEventListener('resize', size);
            size();
            document.title = 'jpar timeline: ' + D.events.length + ' events';
            </script></body></html>
            """;
}
