set terminal pngcairo size 900,480 font "sans,10"
set output '../cold-pulls.png'
set datafile missing '?'
set datafile separator '\t'
set key top left
set grid ytics
set ylabel 'seconds (median)'
set logscale y
set yrange [0.5:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot 'cold-pulls.dat' using 2:xtic(1) title columnheader(2), '' using 3 title columnheader(3), '' using 4 title columnheader(4)
