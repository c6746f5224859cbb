set terminal pngcairo size 900,480 font "sans,10"
set output '../concurrency-upstream.png'
set datafile missing '?'
set datafile separator '\t'
set key top left
set grid ytics
set ylabel 'upstream bytes / one copy of the image'
set logscale y
set yrange [0.5:*]
set xlabel 'concurrent clients'
set logscale x 2
plot 'concurrency-upstream.dat' using 1:2 with linespoints lw 2 pt 7 title columnheader(2), 'concurrency-upstream.dat' using 1:3 with linespoints lw 2 pt 7 title columnheader(3), 'concurrency-upstream.dat' using 1:4 with linespoints lw 2 pt 7 title columnheader(4)
